/** The revision this package implements first. */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';

/** Every revision a session will agree to, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

export type ProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];

/**
 * The stateless ("modern") revisions: no initialize, the version and the client's
 * capabilities in every request's `_meta` (schema/2026-07-28/schema.ts, RequestMetaObject).
 */
export const MODERN_PROTOCOL_VERSIONS = ['2026-07-28'] as const;

export type ModernProtocolVersion = (typeof MODERN_PROTOCOL_VERSIONS)[number];

/** What an UnsupportedProtocolVersionError lists as `supported`, newest first (basic/versioning.mdx). */
export const ALL_PROTOCOL_VERSIONS: readonly string[] = [...MODERN_PROTOCOL_VERSIONS, ...SUPPORTED_PROTOCOL_VERSIONS];

export function isModernProtocolVersion(version: unknown): version is ModernProtocolVersion {
  return typeof version === 'string' && (MODERN_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

/**
 * The legacy revision whose behaviour a modern request gets where the two share it (tool
 * argument errors as isError results, outputSchema and structuredContent kept).
 */
export const MODERN_BASELINE: ProtocolVersion = '2025-11-25';

export function isSupportedProtocolVersion(version: unknown): version is ProtocolVersion {
  return typeof version === 'string' && (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

/** The server's answer to a requested revision: the same one if supported, else its latest. */
export function negotiateProtocolVersion(requested: string): ProtocolVersion {
  return isSupportedProtocolVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

/** Revisions are dates, so they order as strings. */
export function versionAtLeast(version: ProtocolVersion, minimum: ProtocolVersion): boolean {
  return version >= minimum;
}

/** JSON-RPC batching arrived in 2025-03-26 and was removed again in 2025-06-18. */
export function allowsBatches(version: ProtocolVersion | undefined): boolean {
  return version === '2025-03-26';
}
