import { createTransport } from 'nodemailer';
import type { EventRecipient } from '../events/event-types.ts';

/**
 * Notice e-mails through the operator's SMTP server (TESSERA_SMTP_URL), with nodemailer — the
 * long-kept SMTP client for Node. Mail goes out after the notice is committed, best effort: a
 * failure is logged, and the notice (and its webhook event) still stands.
 */
export type NoticeMail = { subject: string; text: string };

export type NoticeMailer = {
  send(recipients: readonly EventRecipient[], mail: NoticeMail): Promise<void>;
  close(): void;
};

export const createNoticeMailer = (options: { smtpUrl: string; from: string }): NoticeMailer => {
  const transport = createTransport(options.smtpUrl);
  return {
    async send(recipients, mail) {
      const to = recipients.flatMap((recipient) => (recipient.email ? [recipient.email] : []));
      if (to.length === 0) return;
      // One message per person: recipients do not learn each other's addresses.
      for (const address of to) {
        await transport.sendMail({ from: options.from, to: address, subject: mail.subject, text: mail.text });
      }
    },
    close: () => transport.close(),
  };
};
