/** The NOTIFY channel of contact changes that matter to decisions: payload `workspaceId contactId`. */
export const CONTACT_CHANGES_CHANNEL = "assent_contact_changes";

/** Told when a contact's profile or identities change in this process (after the statement, before commit). */
export type TContactChangeListener = (workspaceId: string, contactId: string) => void;

const listeners = new Set<TContactChangeListener>();

/**
 * Contact changes seen by this process: `contactChanged` tells every listener registered with `listen`
 * (the consent module drops its cached decision facts for the contact). Listeners must not throw.
 */
export const contactChanges = {
  listen(listener: TContactChangeListener): void {
    listeners.add(listener);
  },
  contactChanged(workspaceId: string, contactId: string): void {
    for (const l of listeners) l(workspaceId, contactId);
  },
};
