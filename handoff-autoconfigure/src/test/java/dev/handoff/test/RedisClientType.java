package dev.handoff.test;

/**
 * The Redis clients Spring Boot can configure, as {@code spring.data.redis.client-type}
 * names them.
 */
public enum RedisClientType {

	/** Lettuce, Boot's default. */
	LETTUCE("lettuce"),

	/** Jedis, with its connection pool. */
	JEDIS("jedis");

	private final String propertyValue;

	RedisClientType(String propertyValue) {
		this.propertyValue = propertyValue;
	}

	/**
	 * Returns the value of {@code spring.data.redis.client-type} for this client.
	 * @return the property value
	 */
	public String propertyValue() {
		return this.propertyValue;
	}

}
