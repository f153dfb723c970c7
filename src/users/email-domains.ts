import { Resolver } from 'node:dns/promises';
/** Whether an address's domain can receive mail (EMAIL_CHECK_DNS). */
export type EmailDomainCheck = (email: string) => Promise<boolean>;

const LOOKUP_TIMEOUT_MS = 3000;

/** EMAIL_CHECK_DNS: an address is deliverable only if its domain has an MX or an A record. */
export function createEmailDomainCheck(): EmailDomainCheck {
  const resolver = new Resolver({ timeout: LOOKUP_TIMEOUT_MS, tries: 1 });
  const hasRecords = async (lookup: Promise<unknown[]>) => {
    try {
      return (await lookup).length > 0;
    } catch {
      return false;
    }
  };
  return async (email) => {
    const domain = email.slice(email.lastIndexOf('@') + 1);
    return (await hasRecords(resolver.resolveMx(domain))) || hasRecords(resolver.resolve4(domain));
  };
}
