package dev.handoff.benchmarks;

import org.jspecify.annotations.Nullable;

/**
 * Runs Handoff and its raw baseline in alternating small rounds, so that whatever the
 * machine does meanwhile (the JIT, GC, the other vCPU's neighbours) hits both alike:
 * round 1 runs Handoff then raw, round 2 raw then Handoff, and so on. Warm-up rounds run
 * the same way and are thrown away.
 */
final class Interleaved {

	private Interleaved() {
	}

	/** One timed operation. */
	@FunctionalInterface
	interface Op {

		/**
		 * Runs the operation once.
		 * @return the nanoseconds of the part that is timed; setup before and checks
		 * after are not
		 * @throws Exception on failure, which ends the benchmark
		 */
		long run() throws Exception;

	}

	/**
	 * How many rounds of how many operations each.
	 *
	 * @param warmupRounds rounds run first and discarded
	 * @param rounds measured rounds
	 * @param perRound operations of each side per round
	 */
	record Plan(int warmupRounds, int rounds, int perRound) {

		Plan scaled(double factor) {
			return new Plan(Math.max(1, (int) Math.round(this.warmupRounds * factor)),
					Math.max(3, (int) Math.round(this.rounds * factor)), this.perRound);
		}

	}

	/**
	 * The samples of both sides, and the ratio of their medians in each round, which
	 * shows how much the ratio moves from round to round.
	 *
	 * @param handoff Handoff's samples
	 * @param raw the baseline's samples
	 * @param roundRatios per measured round, Handoff's p50 over raw's p50
	 */
	@SuppressWarnings("ArrayRecordComponent") // the rounds' ratios, read once for the
												// report
	record Result(Samples handoff, Samples raw, double[] roundRatios) {

		double ratio() {
			return (double) this.handoff.p50() / this.raw.p50();
		}

	}

	static Result latency(Plan plan, Op handoff, Op raw, @Nullable Runnable betweenRounds) throws Exception {
		Samples handoffSamples = new Samples(plan.rounds() * plan.perRound());
		Samples rawSamples = new Samples(plan.rounds() * plan.perRound());
		double[] ratios = new double[plan.rounds()];
		Samples handoffRound = new Samples(plan.perRound());
		Samples rawRound = new Samples(plan.perRound());
		for (int round = 0; round < plan.warmupRounds() + plan.rounds(); round++) {
			handoffRound.clear();
			rawRound.clear();
			if (round % 2 == 0) {
				run(handoff, plan.perRound(), handoffRound);
				run(raw, plan.perRound(), rawRound);
			}
			else {
				run(raw, plan.perRound(), rawRound);
				run(handoff, plan.perRound(), handoffRound);
			}
			int measured = round - plan.warmupRounds();
			if (measured >= 0) {
				handoffSamples.addAll(handoffRound);
				rawSamples.addAll(rawRound);
				ratios[measured] = (double) handoffRound.p50() / rawRound.p50();
			}
			if (betweenRounds != null) {
				betweenRounds.run();
			}
		}
		return new Result(handoffSamples, rawSamples, ratios);
	}

	/**
	 * Runs several operations interleaved, rotating which goes first each round, for
	 * breakdowns.
	 * @param plan the rounds
	 * @param afterWarmup called when the warm-up rounds are done, or null
	 * @param ops the operations
	 * @return the measured samples of each operation, in order
	 * @throws Exception when an operation fails
	 */
	static Samples[] compare(Plan plan, @Nullable Runnable afterWarmup, Op... ops) throws Exception {
		Samples[] samples = new Samples[ops.length];
		for (int i = 0; i < ops.length; i++) {
			samples[i] = new Samples(plan.rounds() * plan.perRound());
		}
		Samples round = new Samples(plan.perRound());
		for (int r = 0; r < plan.warmupRounds() + plan.rounds(); r++) {
			if (r == plan.warmupRounds() && afterWarmup != null) {
				afterWarmup.run();
			}
			for (int k = 0; k < ops.length; k++) {
				int i = (r + k) % ops.length;
				round.clear();
				run(ops[i], plan.perRound(), round);
				if (r >= plan.warmupRounds()) {
					samples[i].addAll(round);
				}
			}
		}
		return samples;
	}

	private static void run(Op op, int times, Samples into) throws Exception {
		for (int i = 0; i < times; i++) {
			into.add(op.run());
		}
	}

}
