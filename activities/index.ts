// The activities the breach workflow runs: every side effect of a breach response lives here.
import type { Mailer } from './mail';
import type { Store } from './store';
import type { Activities } from './types';

export interface ActivityDeps {
  store: Store;
  mailer: Mailer;
}

export function createActivities({ store, mailer }: ActivityDeps): Activities {
  return {
    // Idempotent by input.idempotencyKey: the mail ledger holds each key's fate (see Mailer.send).
    sendMail: (input) => mailer.send(input),
    // Idempotent by input.idempotencyKey: a repeat insert is a no-op reported as a duplicate.
    recordOutcome: async (input) => ({ recorded: await store.recordOutcome(input) }),
  };
}

export type { Activities } from './types';
