/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Where a reward coupon stands */
export type CouponStatus =
  /** Issued and not used yet: it can be redeemed */
  | 'ACTIVE'
  /** Used: redeemedAt says when */
  | 'REDEEMED'
  /** Cancelled before it was used, because the stamp earn that issued it was reversed */
  | 'VOID';

/** A URL to receive the partner’s payment events, and the idempotency key that makes a retry safe */
export type CreateWebhookEndpointInput = {
  /** A note for the partner’s own use, at most 255 characters */
  description?: string | null | undefined;
  /** Default true; false registers it paused */
  enabled?: boolean | null | undefined;
  /** Event types to receive (default: all) */
  eventTypes?: Array<PaymentEventType> | null | undefined;
  /** Makes retries safe: the same key and input return the first result (kept 24 hours): a retried create answers the first endpoint and its secret again instead of registering a second one */
  idempotencyKey?: string | null | undefined;
  /** Where deliveries are POSTed: https (http only for local receivers in development) */
  url: string;
};

/** An ISO 4217 currency code, e.g. USD */
export type CurrencyCode =
  /** United Arab Emirates Dirham */
  | 'AED'
  /** Afghan Afghani */
  | 'AFN'
  /** Albanian Lek */
  | 'ALL'
  /** Armenian Dram */
  | 'AMD'
  /** Netherlands Antillean Guilder */
  | 'ANG'
  /** Angolan Kwanza */
  | 'AOA'
  /** Argentine Peso */
  | 'ARS'
  /** Australian Dollar */
  | 'AUD'
  /** Aruban Florin */
  | 'AWG'
  /** Azerbaijani Manat */
  | 'AZN'
  /** Bosnia-Herzegovina Convertible Mark */
  | 'BAM'
  /** Barbadian Dollar */
  | 'BBD'
  /** Bangladeshi Taka */
  | 'BDT'
  /** Bulgarian Lev */
  | 'BGN'
  /** Bahraini Dinar */
  | 'BHD'
  /** Burundian Franc */
  | 'BIF'
  /** Bermudan Dollar */
  | 'BMD'
  /** Brunei Dollar */
  | 'BND'
  /** Bolivian Boliviano */
  | 'BOB'
  /** Brazilian Real */
  | 'BRL'
  /** Bahamian Dollar */
  | 'BSD'
  /** Bhutanese Ngultrum */
  | 'BTN'
  /** Botswanan Pula */
  | 'BWP'
  /** Belarusian Ruble */
  | 'BYN'
  /** Belize Dollar */
  | 'BZD'
  /** Canadian Dollar */
  | 'CAD'
  /** Congolese Franc */
  | 'CDF'
  /** Swiss Franc */
  | 'CHF'
  /** Chilean Peso */
  | 'CLP'
  /** Chinese Yuan */
  | 'CNY'
  /** Colombian Peso */
  | 'COP'
  /** Costa Rican Colón */
  | 'CRC'
  /** Cuban Convertible Peso */
  | 'CUC'
  /** Cuban Peso */
  | 'CUP'
  /** Cape Verdean Escudo */
  | 'CVE'
  /** Czech Koruna */
  | 'CZK'
  /** Djiboutian Franc */
  | 'DJF'
  /** Danish Krone */
  | 'DKK'
  /** Dominican Peso */
  | 'DOP'
  /** Algerian Dinar */
  | 'DZD'
  /** Egyptian Pound */
  | 'EGP'
  /** Eritrean Nakfa */
  | 'ERN'
  /** Ethiopian Birr */
  | 'ETB'
  /** Euro */
  | 'EUR'
  /** Fijian Dollar */
  | 'FJD'
  /** Falkland Islands Pound */
  | 'FKP'
  /** British Pound */
  | 'GBP'
  /** Georgian Lari */
  | 'GEL'
  /** Ghanaian Cedi */
  | 'GHS'
  /** Gibraltar Pound */
  | 'GIP'
  /** Gambian Dalasi */
  | 'GMD'
  /** Guinean Franc */
  | 'GNF'
  /** Guatemalan Quetzal */
  | 'GTQ'
  /** Guyanaese Dollar */
  | 'GYD'
  /** Hong Kong Dollar */
  | 'HKD'
  /** Honduran Lempira */
  | 'HNL'
  /** Croatian Kuna */
  | 'HRK'
  /** Haitian Gourde */
  | 'HTG'
  /** Hungarian Forint */
  | 'HUF'
  /** Indonesian Rupiah */
  | 'IDR'
  /** Israeli New Shekel */
  | 'ILS'
  /** Indian Rupee */
  | 'INR'
  /** Iraqi Dinar */
  | 'IQD'
  /** Iranian Rial */
  | 'IRR'
  /** Icelandic Króna */
  | 'ISK'
  /** Jamaican Dollar */
  | 'JMD'
  /** Jordanian Dinar */
  | 'JOD'
  /** Japanese Yen */
  | 'JPY'
  /** Kenyan Shilling */
  | 'KES'
  /** Kyrgyz Som */
  | 'KGS'
  /** Cambodian Riel */
  | 'KHR'
  /** Comorian Franc */
  | 'KMF'
  /** North Korean Won */
  | 'KPW'
  /** South Korean Won */
  | 'KRW'
  /** Kuwaiti Dinar */
  | 'KWD'
  /** Cayman Islands Dollar */
  | 'KYD'
  /** Kazakhstani Tenge */
  | 'KZT'
  /** Laotian Kip */
  | 'LAK'
  /** Lebanese Pound */
  | 'LBP'
  /** Sri Lankan Rupee */
  | 'LKR'
  /** Liberian Dollar */
  | 'LRD'
  /** Lesotho Loti */
  | 'LSL'
  /** Libyan Dinar */
  | 'LYD'
  /** Moroccan Dirham */
  | 'MAD'
  /** Moldovan Leu */
  | 'MDL'
  /** Malagasy Ariary */
  | 'MGA'
  /** Macedonian Denar */
  | 'MKD'
  /** Myanmar Kyat */
  | 'MMK'
  /** Mongolian Tugrik */
  | 'MNT'
  /** Macanese Pataca */
  | 'MOP'
  /** Mauritanian Ouguiya */
  | 'MRU'
  /** Mauritian Rupee */
  | 'MUR'
  /** Maldivian Rufiyaa */
  | 'MVR'
  /** Malawian Kwacha */
  | 'MWK'
  /** Mexican Peso */
  | 'MXN'
  /** Malaysian Ringgit */
  | 'MYR'
  /** Mozambican Metical */
  | 'MZN'
  /** Namibian Dollar */
  | 'NAD'
  /** Nigerian Naira */
  | 'NGN'
  /** Nicaraguan Córdoba */
  | 'NIO'
  /** Norwegian Krone */
  | 'NOK'
  /** Nepalese Rupee */
  | 'NPR'
  /** New Zealand Dollar */
  | 'NZD'
  /** Omani Rial */
  | 'OMR'
  /** Panamanian Balboa */
  | 'PAB'
  /** Peruvian Sol */
  | 'PEN'
  /** Papua New Guinean Kina */
  | 'PGK'
  /** Philippine Peso */
  | 'PHP'
  /** Pakistani Rupee */
  | 'PKR'
  /** Polish Zloty */
  | 'PLN'
  /** Paraguayan Guarani */
  | 'PYG'
  /** Qatari Riyal */
  | 'QAR'
  /** Romanian Leu */
  | 'RON'
  /** Serbian Dinar */
  | 'RSD'
  /** Russian Ruble */
  | 'RUB'
  /** Rwandan Franc */
  | 'RWF'
  /** Saudi Riyal */
  | 'SAR'
  /** Solomon Islands Dollar */
  | 'SBD'
  /** Seychellois Rupee */
  | 'SCR'
  /** Sudanese Pound */
  | 'SDG'
  /** Swedish Krona */
  | 'SEK'
  /** Singapore Dollar */
  | 'SGD'
  /** St. Helena Pound */
  | 'SHP'
  /** Sierra Leonean Leone */
  | 'SLE'
  /** Sierra Leonean Leone (1964—2022) */
  | 'SLL'
  /** Somali Shilling */
  | 'SOS'
  /** Surinamese Dollar */
  | 'SRD'
  /** South Sudanese Pound */
  | 'SSP'
  /** São Tomé & Príncipe Dobra */
  | 'STN'
  /** Salvadoran Colón */
  | 'SVC'
  /** Syrian Pound */
  | 'SYP'
  /** Swazi Lilangeni */
  | 'SZL'
  /** Thai Baht */
  | 'THB'
  /** Tajikistani Somoni */
  | 'TJS'
  /** Turkmenistani Manat */
  | 'TMT'
  /** Tunisian Dinar */
  | 'TND'
  /** Tongan Paʻanga */
  | 'TOP'
  /** Turkish Lira */
  | 'TRY'
  /** Trinidad & Tobago Dollar */
  | 'TTD'
  /** New Taiwan Dollar */
  | 'TWD'
  /** Tanzanian Shilling */
  | 'TZS'
  /** Ukrainian Hryvnia */
  | 'UAH'
  /** Ugandan Shilling */
  | 'UGX'
  /** US Dollar */
  | 'USD'
  /** Uruguayan Peso */
  | 'UYU'
  /** Uzbekistani Som */
  | 'UZS'
  /** Venezuelan Bolívar */
  | 'VES'
  /** Vietnamese Dong */
  | 'VND'
  /** Vanuatu Vatu */
  | 'VUV'
  /** Samoan Tala */
  | 'WST'
  /** Central African CFA Franc */
  | 'XAF'
  /** East Caribbean Dollar */
  | 'XCD'
  /** Caribbean guilder */
  | 'XCG'
  /** Special Drawing Rights */
  | 'XDR'
  /** West African CFA Franc */
  | 'XOF'
  /** CFP Franc */
  | 'XPF'
  /** Sucre */
  | 'XSU'
  /** Yemeni Rial */
  | 'YER'
  /** South African Rand */
  | 'ZAR'
  /** Zambian Kwacha */
  | 'ZMW'
  /** Zimbabwean Gold */
  | 'ZWG'
  /** Zimbabwean Dollar (2009–2024) */
  | 'ZWL';

/** The loyalty action a PIN was issued for: a PIN opens only that action */
export type LoyaltyAction =
  /** Redeeming a reward coupon (redeemLoyaltyCoupon, POST /webhook/coupons/redeem) */
  | 'COUPON_REDEEM'
  /** Awarding points or stamps (earnLoyalty, POST /webhook/pos) */
  | 'EARN'
  /** Deducting points or stamps (redeemLoyalty, POST /webhook/redeem) */
  | 'REDEEM';

/** What happened to a payment. Webhook bodies and the REST API spell the same types in lower case with a dot (PAYMENT_APPROVED is payment.approved). Declines are not events: the caller that asked for the payment gets the decline as its answer. */
export type PaymentEventType =
  /** The processor approved the payment (status `approved`) (webhooks: payment.approved) */
  | 'PAYMENT_APPROVED'
  /** A pending payment was abandoned before the processor answered, e.g. the processor was unavailable (status `cancelled`) (webhooks: payment.cancelled) */
  | 'PAYMENT_CANCELLED'
  /** The payment expired before it completed (status `expired`) (webhooks: payment.expired) */
  | 'PAYMENT_EXPIRED'
  /** A refund completed: `refunded_cents` grew and the status is `partially_refunded` or `refunded`; one event per refund (webhooks: payment.refunded) */
  | 'PAYMENT_REFUNDED'
  /** A requested reversal was refused by the processor; the payment keeps its status (webhooks: payment.reversal_failed) */
  | 'PAYMENT_REVERSAL_FAILED'
  /** A requested reversal settled at the processor (status `reversed`) (webhooks: payment.reversal_settled) */
  | 'PAYMENT_REVERSAL_SETTLED'
  /** An approved payment was voided before its batch settled (status `voided`) (webhooks: payment.voided) */
  | 'PAYMENT_VOIDED';

/** Where a payment stands; which moves are allowed is the payment state machine’s (docs/graphql) */
export type PaymentStatus =
  /** Authorised by the processor; voidable until settled, refundable */
  | 'APPROVED'
  /** Abandoned before the processor answered (e.g. the processor was unavailable) */
  | 'CANCELLED'
  /** Refused by the processor */
  | 'DECLINED'
  /** The authorisation (or a pending checkout) lapsed */
  | 'EXPIRED'
  /** Part of the amount was refunded */
  | 'PARTIALLY_REFUNDED'
  /** Recorded, waiting for the processor */
  | 'PENDING'
  /** The whole amount was refunded */
  | 'REFUNDED'
  /** Reversed by the processor after settlement */
  | 'REVERSED'
  /** Cancelled before settlement */
  | 'VOIDED';

/** A dead-lettered delivery to send again */
export type ReplayWebhookDeliveryInput = {
  /** The delivery (status DEAD): the partner’s own, or, for operators, any partner’s */
  id: string | number;
};

/** The endpoint whose signing secret to replace, and how long the old one keeps signing */
export type RotateWebhookEndpointSecretInput = {
  /** The endpoint: one of the partner’s */
  id: string | number;
  /** Seconds the old secret keeps signing beside the new one: default 86400, at most 604800 (7 days), 0 stops it at once */
  overlapSeconds?: number | null | undefined;
};

/** New settings for one of your loyalty programs; only the fields given change */
export type UpdateLoyaltyProgramInput = {
  /** Points per unit of currency spent: 0 to 100, at most 4 decimals (e.g. 1.5) */
  earnRatio?: number | null | undefined;
  /** The program (LoyaltyOrg.id) */
  id: string | number;
  /** The most stamps one earn may award: 1 to the stamps per card */
  maxStampsPerEarn?: number | null | undefined;
  /** Which actions need the customer’s PIN */
  preset?: VerificationPreset | null | undefined;
  /** The reward coupon’s name: 1 to 100 characters */
  rewardName?: string | null | undefined;
  /** Stamps that fill a card: 1 to 50 */
  stampsPerCard?: number | null | undefined;
};

/** What to change on one of the partner’s endpoints; what is absent stays as it is */
export type UpdateWebhookEndpointInput = {
  /** A new note, at most 255 characters; null clears it */
  description?: string | null | undefined;
  /** false pauses deliveries (they wait); true resumes, also after the endpoint answered 410 */
  enabled?: boolean | null | undefined;
  /** Replaces the list (empty: all types) */
  eventTypes?: Array<PaymentEventType> | null | undefined;
  /** The endpoint to change: one of the partner’s */
  id: string | number;
  /** A new URL, under the same rules as createWebhookEndpoint’s */
  url?: string | null | undefined;
};

/** Why a mutation refused its input: switch on it (messages are for people and may change) */
export type UserErrorCode =
  /** The amount is more than the order or check still owes; a further user error says what is due */
  | 'AMOUNT_EXCEEDS_DUE'
  /** The check is closed for good and cannot be changed: open a new check */
  | 'CHECK_CLOSED'
  /** The check already holds the most items a check may have (500): open another check */
  | 'CHECK_FULL'
  /** The check has no item with this id (removed already, or an item of another check) */
  | 'CHECK_ITEM_NOT_FOUND'
  /** The check is locked while it is being paid: unlockCheck first, or wait for the payment */
  | 'CHECK_LOCKED'
  /** The check is not open (closed or cancelled), so nothing more can be paid on it */
  | 'CHECK_NOT_OPEN'
  /** The check has no tax of this name */
  | 'CHECK_TAX_NOT_FOUND'
  /** The change would take the check’s total below what is paid or being paid on it (or, closing, the check holds more than its total): refund or void a payment first */
  | 'CHECK_TOTAL_BELOW_PAID'
  /** The change would take the check’s total above the largest amount a check may have */
  | 'CHECK_TOTAL_TOO_LARGE'
  /** The coupon was already redeemed (or is no longer active) */
  | 'COUPON_ALREADY_REDEEMED'
  /** No coupon of the caller’s orgs has this token */
  | 'COUPON_NOT_FOUND'
  /** The currency is not the one of the order or check being paid; a further user error names it */
  | 'CURRENCY_MISMATCH'
  /** No loyalty customer has this code in the caller’s orgs (a typo, or another org’s customer) */
  | 'CUSTOMER_NOT_FOUND'
  /** Another record already has this external id (per partner and source) */
  | 'DUPLICATE_EXTERNAL_ID'
  /** The location already has a check with this posRef: pick another, or read that check */
  | 'DUPLICATE_POS_REF'
  /** A request with this idempotency key is still running: retry once it has finished */
  | 'IDEMPOTENCY_KEY_IN_USE'
  /** This idempotency key was already used with a different input: use a new key for a new request */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** The customer’s points or stamps do not cover the redemption */
  | 'INSUFFICIENT_BALANCE'
  /** The payment’s status does not allow this (voiding a declined or refunded payment, reversing a voided one, an outcome the state machine refuses); the message names both states */
  | 'INVALID_STATE_TRANSITION'
  /** This processor transaction is already registered with other details (amount, tip, authorization code or check): one registration per transaction; the same details again answer the first payment instead */
  | 'INVOICE_ALREADY_REGISTERED'
  /** The org accepts only scanned codes and tokens (its STRICT preset): scan the QR instead */
  | 'MANUAL_CODE_DISABLED'
  /** The loyalty transaction cannot be reversed: not an earn or a redeem, already reversed, or spent */
  | 'NOT_REVERSIBLE'
  /** A void or refund of the payment is still with the processor: retry in a few seconds */
  | 'PAYMENT_BUSY'
  /** The processor declined the card. The payload still carries the declined payment (status DECLINED, `failureCode` says why): ask for another card and pay again with a new idempotency key */
  | 'PAYMENT_DECLINED'
  /** A mobile payment provider registered this sale with its own processor: void, reverse or refund it there */
  | 'PAYMENT_EXTERNAL'
  /** A payment with refunds (done or pending) cannot be voided: refund the rest instead */
  | 'PAYMENT_HAS_REFUNDS'
  /** Only an approved or partly refunded payment can be refunded (not a declined, voided, ... one) */
  | 'PAYMENT_NOT_REFUNDABLE'
  /** The payment’s batch has closed, so it can no longer be voided: refund it instead */
  | 'PAYMENT_SETTLED'
  /** Too many wrong PINs on this challenge: retry without `verificationPin` for a fresh one */
  | 'PIN_ATTEMPTS_EXCEEDED'
  /** The PIN’s challenge expired: retry without `verificationPin` for a fresh one */
  | 'PIN_EXPIRED'
  /** The PIN is wrong; `pinVerification.remainingAttempts` says how many tries this challenge has left */
  | 'PIN_INVALID'
  /** Too many wrong PINs for this customer: PIN verification is refused until `pinVerification.lockedUntil` */
  | 'PIN_LOCKED'
  /** The org asks for the customer’s PIN: read it on their dashboard and retry with `verificationPin`; the payload’s `pinVerification` carries the challenge (`challengeId`, `expiresAt`) */
  | 'PIN_REQUIRED'
  /** The refund is more than what is left to refund of the payment (pending refunds count); a further user error says what is left */
  | 'REFUND_EXCEEDS_REFUNDABLE'
  /** A reversal of the payment is waiting for the processor: retry once it has settled or failed (the payment.reversal_settled or payment.reversal_failed event) */
  | 'REVERSAL_PENDING'
  /** The loyalty subscription of the org has lapsed: nothing is recorded until it is renewed */
  | 'SUBSCRIPTION_REQUIRED'
  /** An input value is invalid; `field` names it and `message` says what is expected */
  | 'VALIDATION'
  /** Only a delivery in the dead-letter queue (status DEAD) can be replayed; this one is pending or delivered */
  | 'WEBHOOK_DELIVERY_NOT_DEAD'
  /** The delivery’s endpoint is disabled: enable it (updateWebhookEndpoint with enabled: true), then replay */
  | 'WEBHOOK_ENDPOINT_DISABLED'
  /** The partner already has the most endpoints it may register (20): point one of them elsewhere with updateWebhookEndpoint instead */
  | 'WEBHOOK_ENDPOINT_LIMIT'
  /** The URL’s host resolves to a private, loopback or otherwise reserved address, which deliveries may not reach: give a publicly reachable URL */
  | 'WEBHOOK_URL_NOT_ALLOWED';

/** Which loyalty actions need the customer’s PIN */
export type VerificationPreset =
  /** What takes value away: redeeming points and redeeming coupons */
  | 'BALANCED'
  /** None: no action asks for the PIN */
  | 'STANDARD'
  /** Every action, earning included; customer codes typed by hand are refused */
  | 'STRICT';

/** Where a delivery stands: waiting, delivered, or dead (in the dead-letter queue) */
export type WebhookDeliveryStatus =
  /** In the dead-letter queue: every attempt failed (or the endpoint is gone); replayable */
  | 'DEAD'
  /** The endpoint answered 2xx */
  | 'DELIVERED'
  /** Waiting for its next attempt */
  | 'PENDING';

/** Whether an endpoint receives deliveries now */
export type WebhookEndpointStatus =
  /** Receives nothing; its pending deliveries wait until it is enabled again */
  | 'DISABLED'
  /** Receives deliveries */
  | 'ENABLED';

export type DashboardActivityQueryVariables = Exact<{
  from: string;
}>;


export type DashboardActivityQuery = { __typename: 'Query', paymentActivity: { __typename: 'PaymentActivity', asOfCursor: string, totals: Array<{ __typename: 'PaymentActivityTotal', currency: CurrencyCode, type: PaymentEventType, count: number, location: { __typename: 'Location', id: string, name: string }, amount: { __typename: 'BigMoney', amountMinor: string, currency: CurrencyCode } }> } };

export type DashboardCursorQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardCursorQuery = { __typename: 'Query', paymentEventsCursor: string };

export type DashboardSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type DashboardSubscription = { paymentEvents: { __typename: 'PaymentEvent', id: string, cursor: string, type: PaymentEventType, partnerId: string, occurredAt: string, location: { __typename: 'Location', id: string, name: string }, refund: { __typename: 'Refund', id: string, amount: { __typename: 'Money', amountMinor: number, currency: CurrencyCode } } | null, payload: { __typename: 'PaymentEventPayload', paymentId: string, status: PaymentStatus, amount: { __typename: 'Money', amountMinor: number, currency: CurrencyCode }, refunded: { __typename: 'Money', amountMinor: number, currency: CurrencyCode } } } };

export type LoyaltyCustomerPageQueryVariables = Exact<{ [key: string]: never; }>;


export type LoyaltyCustomerPageQuery = { __typename: 'Query', loyaltyDashboard: { __typename: 'LoyaltyDashboard', pinLockedUntil: string | null, customer: { __typename: 'LoyaltyCustomer', id: string, code: string, points: number, stamps: number, org: { __typename: 'LoyaltyOrg', id: string, name: string, stampsPerCard: number, rewardName: string }, coupons: { __typename: 'CouponConnection', totalCount: number, nodes: Array<{ __typename: 'Coupon', id: string, name: string, status: CouponStatus, issuedAt: string, qrToken: string | null }> } }, pendingPins: Array<{ __typename: 'LoyaltyPendingPin', challengeId: string, action: LoyaltyAction, pin: string, expiresAt: string, orgName: string }> } | null };

export type LoyaltyCustomerPinsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type LoyaltyCustomerPinsSubscription = { loyaltyPinChallenges: { __typename: 'LoyaltyPinChallenges', pinLockedUntil: string | null, pendingPins: Array<{ __typename: 'LoyaltyPendingPin', challengeId: string, action: LoyaltyAction, pin: string, expiresAt: string, orgName: string }> } };

export type PortalDeadLettersQueryVariables = Exact<{
  partnerId?: string | number | null | undefined;
}>;


export type PortalDeadLettersQuery = { __typename: 'Query', webhookDeadLetters: { __typename: 'WebhookDeliveryConnection', totalCount: number, nodes: Array<{ __typename: 'WebhookDelivery', id: string, tenantId: string, endpointId: string, eventType: PaymentEventType, attempts: number, lastStatusCode: number | null, lastError: string | null, replays: number, createdAt: string }> } };

export type PortalProgramSettingsFragment = { __typename: 'LoyaltyProgramSettings', earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string };

export type PortalProgramFragment = { __typename: 'LoyaltyOrg', id: string, name: string, currency: CurrencyCode, subscriptionActive: boolean, earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string, changes: { __typename: 'LoyaltyProgramChangeConnection', totalCount: number, nodes: Array<{ __typename: 'LoyaltyProgramChange', id: string, createdAt: string, actorKind: string, actorId: string, before: { __typename: 'LoyaltyProgramSettings', earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string }, after: { __typename: 'LoyaltyProgramSettings', earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string } }> } };

export type PortalLoyaltyProgramsQueryVariables = Exact<{ [key: string]: never; }>;


export type PortalLoyaltyProgramsQuery = { __typename: 'Query', loyaltyPrograms: Array<{ __typename: 'LoyaltyOrg', id: string, name: string, currency: CurrencyCode, subscriptionActive: boolean, earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string, changes: { __typename: 'LoyaltyProgramChangeConnection', totalCount: number, nodes: Array<{ __typename: 'LoyaltyProgramChange', id: string, createdAt: string, actorKind: string, actorId: string, before: { __typename: 'LoyaltyProgramSettings', earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string }, after: { __typename: 'LoyaltyProgramSettings', earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string } }> } }> };

export type PortalUpdateLoyaltyProgramMutationVariables = Exact<{
  input: UpdateLoyaltyProgramInput;
}>;


export type PortalUpdateLoyaltyProgramMutation = { __typename: 'Mutation', updateLoyaltyProgram: { __typename: 'UpdateLoyaltyProgramPayload', userErrors: Array<{ __typename: 'UserError', code: UserErrorCode, field: Array<string> | null, message: string }>, program: { __typename: 'LoyaltyOrg', id: string, name: string, currency: CurrencyCode, subscriptionActive: boolean, earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string, changes: { __typename: 'LoyaltyProgramChangeConnection', totalCount: number, nodes: Array<{ __typename: 'LoyaltyProgramChange', id: string, createdAt: string, actorKind: string, actorId: string, before: { __typename: 'LoyaltyProgramSettings', earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string }, after: { __typename: 'LoyaltyProgramSettings', earnRatio: number, preset: VerificationPreset, stampsPerCard: number, maxStampsPerEarn: number, rewardName: string } }> } } | null } | null };

export type PortalWebhookEndpointsQueryVariables = Exact<{ [key: string]: never; }>;


export type PortalWebhookEndpointsQuery = { __typename: 'Query', webhookEndpoints: { __typename: 'WebhookEndpointConnection', nodes: Array<{ __typename: 'WebhookEndpoint', id: string, url: string, description: string | null, status: WebhookEndpointStatus, eventTypes: Array<PaymentEventType>, previousSecretExpiresAt: string | null, createdAt: string }> } };

export type PortalCreateWebhookEndpointMutationVariables = Exact<{
  input: CreateWebhookEndpointInput;
}>;


export type PortalCreateWebhookEndpointMutation = { __typename: 'Mutation', createWebhookEndpoint: { __typename: 'CreateWebhookEndpointPayload', secret: string | null, userErrors: Array<{ __typename: 'UserError', code: UserErrorCode, field: Array<string> | null, message: string }>, webhookEndpoint: { __typename: 'WebhookEndpoint', id: string, url: string, description: string | null, status: WebhookEndpointStatus, eventTypes: Array<PaymentEventType>, createdAt: string } | null } | null };

export type PortalWebhookDeliveriesQueryVariables = Exact<{
  endpointId: string | number;
  status?: WebhookDeliveryStatus | null | undefined;
}>;


export type PortalWebhookDeliveriesQuery = { __typename: 'Query', webhookDeliveries: { __typename: 'WebhookDeliveryConnection', nodes: Array<{ __typename: 'WebhookDelivery', id: string, eventType: PaymentEventType, status: WebhookDeliveryStatus, attempts: number, lastStatusCode: number | null, lastError: string | null, deliveredAt: string | null, replays: number, createdAt: string, attemptLog: Array<{ __typename: 'WebhookAttempt', attempt: number, statusCode: number | null, error: string | null, durationMs: number, attemptedAt: string }> }> } };

export type PortalDeadLetterCountQueryVariables = Exact<{ [key: string]: never; }>;


export type PortalDeadLetterCountQuery = { __typename: 'Query', webhookDeliveries: { __typename: 'WebhookDeliveryConnection', totalCount: number } };

export type PortalReplayWebhookDeliveryMutationVariables = Exact<{
  input: ReplayWebhookDeliveryInput;
}>;


export type PortalReplayWebhookDeliveryMutation = { __typename: 'Mutation', replayWebhookDelivery: { __typename: 'ReplayWebhookDeliveryPayload', userErrors: Array<{ __typename: 'UserError', code: UserErrorCode, message: string }>, delivery: { __typename: 'WebhookDelivery', id: string, status: WebhookDeliveryStatus, replays: number } | null } | null };

export type PortalSetWebhookEndpointEnabledMutationVariables = Exact<{
  input: UpdateWebhookEndpointInput;
}>;


export type PortalSetWebhookEndpointEnabledMutation = { __typename: 'Mutation', updateWebhookEndpoint: { __typename: 'UpdateWebhookEndpointPayload', userErrors: Array<{ __typename: 'UserError', code: UserErrorCode, message: string }>, webhookEndpoint: { __typename: 'WebhookEndpoint', id: string, status: WebhookEndpointStatus } | null } | null };

export type PortalRotateWebhookEndpointSecretMutationVariables = Exact<{
  input: RotateWebhookEndpointSecretInput;
}>;


export type PortalRotateWebhookEndpointSecretMutation = { __typename: 'Mutation', rotateWebhookEndpointSecret: { __typename: 'RotateWebhookEndpointSecretPayload', secret: string | null, userErrors: Array<{ __typename: 'UserError', code: UserErrorCode, message: string }>, webhookEndpoint: { __typename: 'WebhookEndpoint', id: string, url: string, previousSecretExpiresAt: string | null } | null } | null };

export type PortalUpdateWebhookEndpointMutationVariables = Exact<{
  input: UpdateWebhookEndpointInput;
}>;


export type PortalUpdateWebhookEndpointMutation = { __typename: 'Mutation', updateWebhookEndpoint: { __typename: 'UpdateWebhookEndpointPayload', userErrors: Array<{ __typename: 'UserError', code: UserErrorCode, field: Array<string> | null, message: string }>, webhookEndpoint: { __typename: 'WebhookEndpoint', id: string, url: string, description: string | null, eventTypes: Array<PaymentEventType>, status: WebhookEndpointStatus } | null } | null };

export type PosLaunchLocationQueryVariables = Exact<{
  id: string | number;
}>;


export type PosLaunchLocationQuery = { __typename: 'Query', location: { __typename: 'Location', id: string, name: string, checks: { __typename: 'CheckConnection', totalCount: number, nodes: Array<{ __typename: 'Check', id: string, posRef: string, orderNumber: string, tableName: string | null, isLocked: boolean, total: { __typename: 'Money', amountMinor: number, currency: CurrencyCode }, amountDue: { __typename: 'Money', amountMinor: number, currency: CurrencyCode } }> } } | null };

export const PortalProgramSettingsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PortalProgramSettings"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LoyaltyProgramSettings"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"earnRatio"}},{"kind":"Field","name":{"kind":"Name","value":"preset"}},{"kind":"Field","name":{"kind":"Name","value":"stampsPerCard"}},{"kind":"Field","name":{"kind":"Name","value":"maxStampsPerEarn"}},{"kind":"Field","name":{"kind":"Name","value":"rewardName"}}]}}]} as unknown as DocumentNode<PortalProgramSettingsFragment, unknown>;
export const PortalProgramFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PortalProgram"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LoyaltyOrg"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"subscriptionActive"}},{"kind":"Field","name":{"kind":"Name","value":"earnRatio"}},{"kind":"Field","name":{"kind":"Name","value":"preset"}},{"kind":"Field","name":{"kind":"Name","value":"stampsPerCard"}},{"kind":"Field","name":{"kind":"Name","value":"maxStampsPerEarn"}},{"kind":"Field","name":{"kind":"Name","value":"rewardName"}},{"kind":"Field","name":{"kind":"Name","value":"changes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"5"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"actorKind"}},{"kind":"Field","name":{"kind":"Name","value":"actorId"}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"PortalProgramSettings"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"PortalProgramSettings"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PortalProgramSettings"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LoyaltyProgramSettings"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"earnRatio"}},{"kind":"Field","name":{"kind":"Name","value":"preset"}},{"kind":"Field","name":{"kind":"Name","value":"stampsPerCard"}},{"kind":"Field","name":{"kind":"Name","value":"maxStampsPerEarn"}},{"kind":"Field","name":{"kind":"Name","value":"rewardName"}}]}}]} as unknown as DocumentNode<PortalProgramFragment, unknown>;
export const DashboardActivityDocument = {"__meta__":{"hash":"sha256:74c526790a66815d2f667d5e16548c1b819e622386edd6d55b623bca06fb568c"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardActivity"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTimeISO"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"paymentActivity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"asOfCursor"}},{"kind":"Field","name":{"kind":"Name","value":"totals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardActivityQuery, DashboardActivityQueryVariables>;
export const DashboardCursorDocument = {"__meta__":{"hash":"sha256:e84298c25aca7536147b933e43d2ae24d69c50810ba5550b08c917e84e6c5e8d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardCursor"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"paymentEventsCursor"}}]}}]} as unknown as DocumentNode<DashboardCursorQuery, DashboardCursorQueryVariables>;
export const DashboardDocument = {"__meta__":{"hash":"sha256:09827059b2afd145545b655e8e2dab68f539979c49d4289a1e0c2f2500dc9e98"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"Dashboard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"partnerId"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"refund"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"payload"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"paymentId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"refunded"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardSubscription, DashboardSubscriptionVariables>;
export const LoyaltyCustomerPageDocument = {"__meta__":{"hash":"sha256:e357b79f7e6e81a890d592d7da379d7d6d96a9e220789e0ab2b6e1767f34d032"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"LoyaltyCustomerPage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"loyaltyDashboard"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"points"}},{"kind":"Field","name":{"kind":"Name","value":"stamps"}},{"kind":"Field","name":{"kind":"Name","value":"org"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"stampsPerCard"}},{"kind":"Field","name":{"kind":"Name","value":"rewardName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"coupons"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"issuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"qrToken"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pendingPins"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"challengeId"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"pin"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"orgName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pinLockedUntil"}}]}}]}}]} as unknown as DocumentNode<LoyaltyCustomerPageQuery, LoyaltyCustomerPageQueryVariables>;
export const LoyaltyCustomerPinsDocument = {"__meta__":{"hash":"sha256:84bc7d2cfb8071c2ab581b2b19cf1ccb2ca82aabddc0b71f817b9056962e9314"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LoyaltyCustomerPins"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"loyaltyPinChallenges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"pendingPins"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"challengeId"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"pin"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"orgName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pinLockedUntil"}}]}}]}}]} as unknown as DocumentNode<LoyaltyCustomerPinsSubscription, LoyaltyCustomerPinsSubscriptionVariables>;
export const PortalDeadLettersDocument = {"__meta__":{"hash":"sha256:b7a7e5fa1d80cdb0413e07cb7c2704e777350e4673d3410dbe97053116b53df1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalDeadLetters"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"partnerId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"webhookDeadLetters"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"partnerId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"partnerId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"tenantId"}},{"kind":"Field","name":{"kind":"Name","value":"endpointId"}},{"kind":"Field","name":{"kind":"Name","value":"eventType"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatusCode"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"replays"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]} as unknown as DocumentNode<PortalDeadLettersQuery, PortalDeadLettersQueryVariables>;
export const PortalLoyaltyProgramsDocument = {"__meta__":{"hash":"sha256:c34b15dc07511dda96724c53419d7d258aadc18a430579f4fe0714b03429d6f1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalLoyaltyPrograms"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"loyaltyPrograms"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"PortalProgram"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PortalProgramSettings"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LoyaltyProgramSettings"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"earnRatio"}},{"kind":"Field","name":{"kind":"Name","value":"preset"}},{"kind":"Field","name":{"kind":"Name","value":"stampsPerCard"}},{"kind":"Field","name":{"kind":"Name","value":"maxStampsPerEarn"}},{"kind":"Field","name":{"kind":"Name","value":"rewardName"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PortalProgram"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LoyaltyOrg"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"subscriptionActive"}},{"kind":"Field","name":{"kind":"Name","value":"earnRatio"}},{"kind":"Field","name":{"kind":"Name","value":"preset"}},{"kind":"Field","name":{"kind":"Name","value":"stampsPerCard"}},{"kind":"Field","name":{"kind":"Name","value":"maxStampsPerEarn"}},{"kind":"Field","name":{"kind":"Name","value":"rewardName"}},{"kind":"Field","name":{"kind":"Name","value":"changes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"5"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"actorKind"}},{"kind":"Field","name":{"kind":"Name","value":"actorId"}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"PortalProgramSettings"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"PortalProgramSettings"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PortalLoyaltyProgramsQuery, PortalLoyaltyProgramsQueryVariables>;
export const PortalUpdateLoyaltyProgramDocument = {"__meta__":{"hash":"sha256:4451266743e6a09a0fec7b91134e72a964e0ec7458c8ff8d128cca361db47f03"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalUpdateLoyaltyProgram"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateLoyaltyProgramInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"updateLoyaltyProgram"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"PortalProgram"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PortalProgramSettings"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LoyaltyProgramSettings"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"earnRatio"}},{"kind":"Field","name":{"kind":"Name","value":"preset"}},{"kind":"Field","name":{"kind":"Name","value":"stampsPerCard"}},{"kind":"Field","name":{"kind":"Name","value":"maxStampsPerEarn"}},{"kind":"Field","name":{"kind":"Name","value":"rewardName"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PortalProgram"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LoyaltyOrg"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"subscriptionActive"}},{"kind":"Field","name":{"kind":"Name","value":"earnRatio"}},{"kind":"Field","name":{"kind":"Name","value":"preset"}},{"kind":"Field","name":{"kind":"Name","value":"stampsPerCard"}},{"kind":"Field","name":{"kind":"Name","value":"maxStampsPerEarn"}},{"kind":"Field","name":{"kind":"Name","value":"rewardName"}},{"kind":"Field","name":{"kind":"Name","value":"changes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"5"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"actorKind"}},{"kind":"Field","name":{"kind":"Name","value":"actorId"}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"PortalProgramSettings"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"PortalProgramSettings"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PortalUpdateLoyaltyProgramMutation, PortalUpdateLoyaltyProgramMutationVariables>;
export const PortalWebhookEndpointsDocument = {"__meta__":{"hash":"sha256:dcbfa882105cb7249eef25d68538f6b3fae92e98d03068b808e97a7760798652"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalWebhookEndpoints"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"webhookEndpoints"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"previousSecretExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]} as unknown as DocumentNode<PortalWebhookEndpointsQuery, PortalWebhookEndpointsQueryVariables>;
export const PortalCreateWebhookEndpointDocument = {"__meta__":{"hash":"sha256:a5f34fc40c19f69a92ce3a2ddef78debbd25325bb35b0bdfa3eeb6aee53fbdc8"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalCreateWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateWebhookEndpointInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"createWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"webhookEndpoint"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]} as unknown as DocumentNode<PortalCreateWebhookEndpointMutation, PortalCreateWebhookEndpointMutationVariables>;
export const PortalWebhookDeliveriesDocument = {"__meta__":{"hash":"sha256:8e03df44701a446ba635e6911aee3a7314ab3e36978479a8321e0f9714726ebb"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalWebhookDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookDeliveryStatus"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"webhookDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"endpointId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"50"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"eventType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatusCode"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"deliveredAt"}},{"kind":"Field","name":{"kind":"Name","value":"replays"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"attemptLog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"attempt"}},{"kind":"Field","name":{"kind":"Name","value":"statusCode"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"attemptedAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PortalWebhookDeliveriesQuery, PortalWebhookDeliveriesQueryVariables>;
export const PortalDeadLetterCountDocument = {"__meta__":{"hash":"sha256:cae1089507d6e510f1aad16fa757e91fe04d9f7026169389a80898091022f856"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalDeadLetterCount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"webhookDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"EnumValue","value":"DEAD"}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"0"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}}]} as unknown as DocumentNode<PortalDeadLetterCountQuery, PortalDeadLetterCountQueryVariables>;
export const PortalReplayWebhookDeliveryDocument = {"__meta__":{"hash":"sha256:c48aa6fa48dc7c435e1b3fc07fcb0de35d7eeb9a95a95de8bd75e257d0634eb9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalReplayWebhookDelivery"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ReplayWebhookDeliveryInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"replayWebhookDelivery"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"delivery"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"replays"}}]}}]}}]}}]} as unknown as DocumentNode<PortalReplayWebhookDeliveryMutation, PortalReplayWebhookDeliveryMutationVariables>;
export const PortalSetWebhookEndpointEnabledDocument = {"__meta__":{"hash":"sha256:8a690cae078d76a43db7577f7cab011d7faca5aa506a85b30947b293d21b69ee"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalSetWebhookEndpointEnabled"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateWebhookEndpointInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"updateWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"webhookEndpoint"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]} as unknown as DocumentNode<PortalSetWebhookEndpointEnabledMutation, PortalSetWebhookEndpointEnabledMutationVariables>;
export const PortalRotateWebhookEndpointSecretDocument = {"__meta__":{"hash":"sha256:de302d9a2da2dc69a273535a0b07c9a910d5bd3cd31002851867d3c1810ea8ff"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalRotateWebhookEndpointSecret"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RotateWebhookEndpointSecretInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"rotateWebhookEndpointSecret"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"webhookEndpoint"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"previousSecretExpiresAt"}}]}}]}}]}}]} as unknown as DocumentNode<PortalRotateWebhookEndpointSecretMutation, PortalRotateWebhookEndpointSecretMutationVariables>;
export const PortalUpdateWebhookEndpointDocument = {"__meta__":{"hash":"sha256:5a21b60246e848d41814b162d882c9f6c3f87f4cdf76b7652fadf160d4fa4a55"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalUpdateWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateWebhookEndpointInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"updateWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"webhookEndpoint"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]} as unknown as DocumentNode<PortalUpdateWebhookEndpointMutation, PortalUpdateWebhookEndpointMutationVariables>;
export const PosLaunchLocationDocument = {"__meta__":{"hash":"sha256:387d61746832472e140f09d1b2e0e3824ff3dae330e463f8aed95391f5762f21"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PosLaunchLocation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"status"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"OPEN"}]}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"posRef"}},{"kind":"Field","name":{"kind":"Name","value":"orderNumber"}},{"kind":"Field","name":{"kind":"Name","value":"tableName"}},{"kind":"Field","name":{"kind":"Name","value":"isLocked"}},{"kind":"Field","name":{"kind":"Name","value":"total"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amountDue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<PosLaunchLocationQuery, PosLaunchLocationQueryVariables>;