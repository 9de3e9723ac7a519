/**
 * Handoff's Micrometer Observations: {@link dev.handoff.observation.HandoffObservation}
 * documents the observations of initiate, claim and merge, their names and keys; the
 * contexts carry the W3C trace context from the record that a stopping instance writes to
 * the merge of the instance that receives it.
 */
@NullMarked
package dev.handoff.observation;

import org.jspecify.annotations.NullMarked;
