// What every transport delivers (SMTP, SES, the outbox): a rendered email.
export type EmailMessage = {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, such as List-Unsubscribe. */
  headers?: Record<string, string>;
};

/** Where rendered emails go: an SMTP server, Amazon SES, or the development outbox. */
export type EmailTransport = { name: string; deliver(message: EmailMessage): Promise<void> };
