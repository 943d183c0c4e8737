// validate.js: the API's validation rules, for forms that check as you
// type (and the tests, which hold them against the API itself).
export { addrCheck, hostnameOk, parseIP, tsCheck } from './validate/net.js';
export { NAME_RULE, idCheck, keyCheck, nameOk } from './validate/ident.js';
export { formatProposal, parseProposal, proposalsCheck } from './validate/proposal.js';
export { LOCAL_AUTHS, REMOTE_AUTHS, validateConnection } from './validate/conn.js';
export { EAP_METHODS, validateEapUser, validatePool } from './validate/records.js';
