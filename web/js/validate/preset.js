// validate/preset.js: the named proposal presets of api/model/conn_preset.c
// ("preset:NAME" in proposals or esp_proposals stands for these strings,
// in order); tests/api/keys_test.mjs holds the names and strings against
// the C tables.
const IKE_MODERN = 'aes256gcm16-aes128gcm16-chacha20poly1305-prfsha384-prfsha256-x25519-ecp384-ecp256';
const ESP_MODERN = 'aes256gcm16-aes128gcm16-chacha20poly1305';
const IKE_CBC = 'aes256-aes128-sha384-sha256-x25519-ecp384-ecp256-modp3072-modp2048';
const ESP_CBC = 'aes256-aes128-sha384-sha256';

export const PRESET_PREFIX = 'preset:';
export const PRESETS = {
  modern: { ike: [IKE_MODERN], esp: [ESP_MODERN] },
  compat: { ike: [IKE_MODERN, IKE_CBC], esp: [ESP_MODERN, ESP_CBC] },
  'windows-default': {
    ike: ['aes256-sha256-modp2048', 'aes256gcm16-prfsha256-modp1024', 'aes256-sha256-modp1024', 'aes256-sha1-modp2048-modp1024'],
    esp: ['aes256-sha1'],
  },
  'apple-default': { ike: ['aes256-sha256-modp2048-ecp256'], esp: ['aes256-sha256'] },
  'android-strongswan': { ike: [IKE_MODERN, IKE_CBC], esp: [ESP_MODERN, 'aes256-aes192-aes128-sha384-sha256-sha512'] },
  strongswan: {
    ike: ['aes256gcm16-aes128gcm16-chacha20poly1305-prfsha256-prfsha384-prfsha512-x25519-x448-ecp256-ecp384-ecp521-modp3072',
      'aes256-aes128-sha256-sha384-sha512-x25519-x448-ecp256-ecp384-ecp521-modp3072-modp2048'],
    esp: ['aes256gcm16-aes192gcm16-aes128gcm16', 'aes256-aes192-aes128-sha256-sha384-sha512'],
  },
};
