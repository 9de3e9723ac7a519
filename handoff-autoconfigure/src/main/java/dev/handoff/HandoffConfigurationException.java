package dev.handoff;

/**
 * Thrown at startup when Handoff is set up in a way that cannot work: a {@link Handoff}
 * bean that is not a {@link HandoffParticipant}, two participants with one label, or
 * contradictory properties. It names what to change.
 */
public class HandoffConfigurationException extends HandoffException {

	private static final long serialVersionUID = 1L;

	private final String problem;

	private final String action;

	/**
	 * Creates an exception.
	 * @param problem what is wrong
	 * @param action what to change
	 */
	public HandoffConfigurationException(String problem, String action) {
		super(problem + " " + action);
		this.problem = problem;
		this.action = action;
	}

	/** Returns what is wrong. @return what is wrong */
	public String getProblem() {
		return this.problem;
	}

	/** Returns what to change. @return what to change */
	public String getAction() {
		return this.action;
	}

}
