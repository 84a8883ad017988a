/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
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

export type DashboardActivityQueryVariables = Exact<{
  from: string;
}>;


export type DashboardActivityQuery = { paymentActivity: { asOfCursor: string, totals: Array<{ currency: CurrencyCode, type: PaymentEventType, count: number, location: { id: string, name: string }, amount: { amountMinor: string, currency: CurrencyCode } }> } };

export type DashboardCursorQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardCursorQuery = { paymentEventsCursor: string };

export type DashboardSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type DashboardSubscription = { paymentEvents: { id: string, cursor: string, type: PaymentEventType, partnerId: string, occurredAt: string, location: { id: string, name: string }, refund: { id: string, amount: { amountMinor: number, currency: CurrencyCode } } | null, payload: { paymentId: string, status: PaymentStatus, amount: { amountMinor: number, currency: CurrencyCode }, refunded: { amountMinor: number, currency: CurrencyCode } } } };


export const DashboardActivityDocument = {"__meta__":{"hash":"sha256:59bcf602a49d190efc6323fbcdf64852abb5599e12c9cc10a11784e540351bdb"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardActivity"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTimeISO"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentActivity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"asOfCursor"}},{"kind":"Field","name":{"kind":"Name","value":"totals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardActivityQuery, DashboardActivityQueryVariables>;
export const DashboardCursorDocument = {"__meta__":{"hash":"sha256:8eea9295ea238ffe20b13d54e03529e88f22c89a5f96bf296ac8a5d9cfde8646"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardCursor"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentEventsCursor"}}]}}]} as unknown as DocumentNode<DashboardCursorQuery, DashboardCursorQueryVariables>;
export const DashboardDocument = {"__meta__":{"hash":"sha256:297e80967c8030cf7e1b26b198498bac364c68db1db4824f055d47bb57437a72"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"Dashboard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"partnerId"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"refund"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"payload"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"refunded"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amountMinor"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardSubscription, DashboardSubscriptionVariables>;