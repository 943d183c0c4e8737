// contract.mjs: every response checked against api/openapi.yaml: the path
// and method exist, the status is documented, the media type is the one
// documented, the body validates against its schema (Ajv, JSON Schema
// 2020-12, as OpenAPI 3.1 uses), and documented ETag / Palisade-Applied
// headers are present and well-formed.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? 'openapi' + v : rewriteRefs(v);
    }
    return out;
  }
  return node;
}

export class Contract {
  constructor(specPath) {
    this.spec = YAML.parse(readFileSync(specPath, 'utf8'));
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: rewriteRefs(this.spec.components) });
    this.cache = new Map();
    this.routes = Object.keys(this.spec.paths).map((p) => ({
      template: p,
      re: new RegExp('^' + p.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
    }));
    this.checked = 0;
  }

  resolve(obj) {
    while (obj && obj.$ref) {
      const parts = obj.$ref.replace(/^#\//, '').split('/');
      obj = parts.reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.spec);
    }
    return obj;
  }

  validator(key, schema) {
    if (!this.cache.has(key)) this.cache.set(key, this.ajv.compile(rewriteRefs(schema)));
    return this.cache.get(key);
  }

  // Returns a list of problems (empty: the response honours the contract).
  check(method, url, status, headers, text) {
    const errs = [];
    const path = new URL(url, 'http://x').pathname;
    // literal paths first ("/api/v1/eap-users/import" before ".../{identity}")
    const cands = this.routes.filter((r) => r.re.test(path));
    cands.sort((a, b) => (a.template.includes('{') ? 1 : 0) - (b.template.includes('{') ? 1 : 0));
    const m = method.toLowerCase();
    const route = cands.find((r) => this.spec.paths[r.template][m]);
    if (!route) {
      if (status === 404 || status === 405) return errs; // no such resource: the documented answer of the server
      return [`${method} ${path}: not in the spec`];
    }
    const op = this.spec.paths[route.template][m];
    const resp = this.resolve(op.responses[String(status)]);
    this.checked++;
    if (!resp) return [`${method} ${route.template}: status ${status} not documented`];
    const ctype = (headers.get('content-type') || '').split(';')[0].trim();
    if (resp.content) {
      const media = resp.content[ctype];
      if (!media) {
        errs.push(`${method} ${route.template} ${status}: content type '${ctype}' not documented`);
      } else if (media.schema && (ctype.endsWith('json'))) {
        let body;
        try {
          body = JSON.parse(text);
        } catch (e) {
          return [`${method} ${route.template} ${status}: body is not JSON`];
        }
        const v = this.validator(`${route.template} ${m} ${status} ${ctype}`, media.schema);
        if (!v(body)) {
          errs.push(`${method} ${route.template} ${status}: ` + this.ajv.errorsText(v.errors, { dataVar: 'body' }));
        }
      }
    } else if (text.length && status !== 204) {
      errs.push(`${method} ${route.template} ${status}: a body where none is documented`);
    }
    for (const [name, h] of Object.entries(resp.headers || {})) {
      const hv = headers.get(name);
      const schema = this.resolve(h).schema;
      if (['ETag', 'Palisade-Applied'].includes(name) && hv === null) {
        errs.push(`${method} ${route.template} ${status}: header ${name} missing`);
      } else if (hv !== null && schema) {
        const v = this.validator(`hdr ${name}`, schema);
        if (!v(hv)) errs.push(`${method} ${route.template} ${status}: header ${name} '${hv}' does not match`);
      }
    }
    return errs;
  }
}
