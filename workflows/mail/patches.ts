// Every patch id of the `mail-<notification id>` delivery workflow (workflows/mail/delivery.ts).

/**
 * The cadre's channels in order (企业微信, 钉钉, SMS, e-mail), each refused for good falling back to
 * the next, instead of e-mail only. A delivery started before keeps its e-mail-only course
 * (test/histories/mail-delivery*.before-channels.history.pb).
 */
export const DELIVERY_CHANNELS_PATCH = 'delivery-channels';
