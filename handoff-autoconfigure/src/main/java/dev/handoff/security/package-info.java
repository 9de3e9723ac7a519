/**
 * Signed and encrypted records: {@link dev.handoff.security.RecordProtection} signs
 * (HMAC-SHA256) and optionally encrypts (AES-256-GCM) what an instance hands off, and
 * verifies what it receives before any of the payload is parsed.
 */
@NullMarked
package dev.handoff.security;

import org.jspecify.annotations.NullMarked;
