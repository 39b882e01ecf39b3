// A real OpenID Connect provider (panva's oidc-provider, certified) for the socialaccount
// tests, run as its own process: `node server.mjs <port> <config.json>`.
//
// config.json: {"clients": [{client_id, client_secret, redirect_uris}], "id_token_ttl": 3600}
// Accounts: the login typed on the provider's own (development) login page is the subject;
// "name@host" gives that address, verified; "unverified:name@host" the same, unverified.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const config = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

function claimsFor(id) {
  const unverified = id.startsWith('unverified:');
  const login = unverified ? id.slice('unverified:'.length) : id;
  const email = login.includes('@') ? login : `${login}@idp.test`;
  const local = email.split('@')[0];
  return {
    sub: id,
    email,
    email_verified: !unverified,
    preferred_username: local,
    given_name: local.charAt(0).toUpperCase() + local.slice(1),
    family_name: 'Tester',
    name: `${local} Tester`,
  };
}

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...c,
  })),
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => claimsFor(id),
  }),
  pkce: { required: () => true },
  ttl: { IdToken: config.id_token_ttl || 3600 },
  cookies: { keys: ['test-idp-cookie-key-not-secret'] },
  features: { devInteractions: { enabled: true } },
  jwks: config.jwks,
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
