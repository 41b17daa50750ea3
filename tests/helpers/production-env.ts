// What production requires besides MONGODB_URL and REDIS_URL while sign-in links are on (the
// magic-link feature): a public origin and an SMTP relay. For tests and benches that send no
// email: one sent to this relay would fail (tests that send start a real SMTP server,
// tests/helpers/smtp.ts). Browsers of an app with PUBLIC_URL must send it as their Origin.
export const productionEmail = { PUBLIC_URL: 'https://app.test', SMTP_URL: 'smtp://127.0.0.1:9' };
