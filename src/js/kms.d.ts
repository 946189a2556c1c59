// Types of the KMS concepts API (src/js/kms.js).

/** A parsed KMS key identifier. Fields the identifier does not carry are `null`. */
export interface KeyIdentifier {
  kind: 'key-id' | 'key-arn' | 'alias-name' | 'alias-arn';
  /** `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`, `aws-eusc`; ARNs only. */
  partition: string | null;
  region: string | null;
  /** 12 digits; ARNs only. */
  account: string | null;
  /** UUID or `mrk-…`; key ids and key ARNs only. */
  keyId: string | null;
  /** With its `alias/` prefix; aliases only. */
  alias: string | null;
  /** The key id is a multi-Region key id (`mrk-…`). */
  multiRegion: boolean;
  /** The alias is under the reserved `alias/aws/` prefix (an AWS managed key). */
  awsManaged: boolean;
}

export type KeyType = 'aws-owned' | 'aws-managed' | 'customer-managed' | 'cloudhsm-key-store' | 'imported-key-material' | 'multi-region';
export type KeyPurpose = 'encrypt' | 'sign' | 'hmac';

/** Answers to the advisor's questions. All optional; unanswered means "no" unless implied. */
export interface KeyTypeAnswers {
  needKeyControl?: boolean | null;
  crossAccount?: boolean | null;
  hsmRequired?: boolean | null;
  importKeyMaterial?: boolean | null;
  multiRegion?: boolean | null;
  purpose?: KeyPurpose | null;
  automaticRotation?: boolean | null;
  /** Without key control: must each use appear in your CloudTrail? yes → aws-managed, no → aws-owned. */
  auditKeyUse?: boolean | null;
  /** Names used in the generated commands and policy. */
  alias?: string | null;
  region?: string | null;
  replicaRegions?: string[] | null;
  account?: string | null;
  trustedAccount?: string | null;
  encryptionContext?: Record<string, string> | null;
  /** Symmetric (or, for purpose 'sign', asymmetric) requests per month, for monthlyCostUsd. */
  requestsPerMonth?: number | null;
}

export interface CostLine { item: string; quantity: number; unit: string; usd: number }

/** Stable codes of the advisor's conflicts. */
export type KeyTypeConflictCode =
  | 'CONTROL_REQUIRED_FOR_CROSS_ACCOUNT' | 'CONTROL_REQUIRED_FOR_PURPOSE' | 'CONTROL_REQUIRED_FOR_HSM'
  | 'CONTROL_REQUIRED_FOR_IMPORT' | 'CONTROL_REQUIRED_FOR_MULTI_REGION'
  | 'HSM_ASYMMETRIC' | 'HSM_HMAC' | 'HSM_MULTI_REGION' | 'HSM_IMPORT' | 'HSM_ROTATION'
  | 'ROTATION_ASYMMETRIC' | 'ROTATION_HMAC' | 'ROTATION_IMPORTED';

export interface KeyTypeRecommendation {
  keyType: KeyType;
  reasons: string[];
  /** Requirements KMS cannot meet together, and what gave way. Empty when the answers are consistent. */
  conflicts: string[];
  /** One stable code per conflict, same order. */
  conflictCodes: KeyTypeConflictCode[];
  alternatives: { keyType: KeyType; why: string }[];
  /** Keys, replicas, HSMs and requestsPerMonth, at us-east-1 list prices. */
  monthlyCostUsd: number;
  costBreakdown: CostLine[];
  keySpec: string | null;
  keyUsage: 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | null;
  origin: 'AWS_KMS' | 'EXTERNAL' | 'AWS_CLOUDHSM' | null;
  rotation: 'automatic' | 'on-demand' | 'manual' | 'aws' | 'none';
  purpose: KeyPurpose;
  /** Shell lines; comments start with `#`. */
  cli: string[];
  /** A least-privilege key policy; null where AWS owns the policy. */
  keyPolicy: Record<string, unknown> | null;
}

export interface CostInput {
  keys?: number;
  /** Regions each key exists in (primary + replicas); default 1. */
  regions?: number | null;
  requestsPerMonth?: number;
  asymmetricRequests?: number;
  hsmCount?: number;
  /** Hours each HSM runs this month; default 730. */
  hsmHours?: number | null;
  /** 0..1: share of symmetric operations the data-key cache answers. */
  cacheHitRatio?: number;
  /** Rotations per key; only the first two are billed. */
  rotationsPerKey?: number;
}

export interface CostEstimate {
  lines: CostLine[];
  keysUsd: number;
  requestsUsd: number;
  hsmUsd: number;
  totalUsd: number;
  kmsRequests: number;
  requestsSavedByCache: number;
  totalWithoutCacheUsd: number;
  cacheSavingsUsd: number;
  notes: string[];
  pricesAsOf: string;
  source: string;
}

export function parseKeyIdentifier(identifier: string): Promise<KeyIdentifier>;
export function recommendKeyType(answers?: KeyTypeAnswers): Promise<KeyTypeRecommendation>;
export function estimateCost(input?: CostInput): Promise<CostEstimate>;
