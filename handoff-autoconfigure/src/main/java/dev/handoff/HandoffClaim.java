package dev.handoff;

import java.util.List;

/**
 * Records that one claim took from a {@link HandoffStore}, held under a lease until acknowledged.
 *
 * @param id the claim's id, which owns the lease
 * @param label the label
 * @param deliveries the claimed records, oldest first
 */
public record HandoffClaim(String id, String label, List<Delivery> deliveries) {

	public HandoffClaim {
		deliveries = List.copyOf(deliveries);
	}

	public boolean isEmpty() {
		return this.deliveries.isEmpty();
	}

	/**
	 * One claimed record.
	 *
	 * @param record the record, its data still serialized
	 * @param attempt how many times it has been claimed, this claim included
	 */
	public record Delivery(HandoffRecord<byte[]> record, int attempt) {
	}

}
