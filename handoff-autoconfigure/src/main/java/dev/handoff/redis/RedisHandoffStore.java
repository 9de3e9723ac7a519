package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.handoff.HandoffClaim;
import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffException;
import dev.handoff.HandoffRecord;
import dev.handoff.HandoffStore;
import dev.handoff.HandoffSubscription;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisNode;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

/**
 * A {@link HandoffStore} in Redis. This class is the whole Redis protocol of Handoff; it
 * runs on Redis standalone, Sentinel, master/replica and Cluster, through Lettuce or
 * Jedis, as Spring Boot's {@code spring.data.redis.*} configures them.
 * <p>
 * <b>Keys.</b> Every key of a label starts with {@code <namespace>:handoff:{<label>}:},
 * so all keys of one label share a hash tag: on Redis Cluster they live in one slot, and
 * each script touches one node.
 * <table>
 * <caption>Keys of one label</caption>
 * <tr>
 * <th>Key suffix</th>
 * <th>Type</th>
 * <th>Holds</th>
 * <th>TTL</th>
 * </tr>
 * <tr>
 * <td>{@code pending}</td>
 * <td>hash</td>
 * <td>record id → envelope, for records waiting for a taker</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code released}</td>
 * <td>hash</td>
 * <td>record id → envelope, for records an instance released because it reads an older
 * version (or had already handed its state off)</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code released-versions}</td>
 * <td>hash</td>
 * <td>record id → the record's version: only a claimer that reads it takes the
 * record</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code claim:<claim id>}</td>
 * <td>hash</td>
 * <td>record id → envelope, for the records one claim holds</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code claim:checkpoint:<instance>}</td>
 * <td>hash</td>
 * <td>record id → envelope: the one checkpoint of a running instance, a claim whose lease
 * (in {@code claims}) is the instance's heartbeat</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code report:<claim id>}</td>
 * <td>string</td>
 * <td>what the claim settled (dead letters with their cause and reason, records given
 * back by lapsed leases, whether records were left waiting), JSON, for a replay of the
 * claim; only written when there is something to report</td>
 * <td>lease</td>
 * </tr>
 * <tr>
 * <td>{@code claims}</td>
 * <td>sorted set</td>
 * <td>claim id, scored by its lease deadline (ms)</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code owner}</td>
 * <td>hash</td>
 * <td>record id → claim id, for records in flight</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code expiry}</td>
 * <td>sorted set</td>
 * <td>record id, scored by the time it expires (ms), for every record not yet
 * settled</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code attempts}</td>
 * <td>hash</td>
 * <td>record id → number of claims so far (absent: never claimed)</td>
 * <td>key ttl</td>
 * </tr>
 * <tr>
 * <td>{@code acked}</td>
 * <td>sorted set</td>
 * <td>record id, scored by when it was acknowledged; entries older than the retention
 * (below) are trimmed</td>
 * <td>retention</td>
 * </tr>
 * <tr>
 * <td>{@code acked-by}</td>
 * <td>hash</td>
 * <td>record id → the claim that acknowledged it, trimmed with {@code acked}</td>
 * <td>retention</td>
 * </tr>
 * <tr>
 * <td>{@code dead}</td>
 * <td>hash</td>
 * <td>record id → envelope, for dead letters</td>
 * <td>dead-letter ttl</td>
 * </tr>
 * <tr>
 * <td>{@code dead-reasons}</td>
 * <td>hash</td>
 * <td>record id → why it was dead-lettered</td>
 * <td>dead-letter ttl</td>
 * </tr>
 * <tr>
 * <td>{@code dead-expiry}</td>
 * <td>sorted set</td>
 * <td>record id, scored by when its dead letter expires (ms); each claim drops the dead
 * letters past it</td>
 * <td>dead-letter ttl</td>
 * </tr>
 * <tr>
 * <td>{@code chunks:<record id>}</td>
 * <td>hash</td>
 * <td>chunk index → chunk, the payload of a record larger than the
 * {@linkplain #chunkSize() chunk size} (1 MiB), written before the record's initiate; the
 * envelope in {@code pending} (or a claim, or {@code dead}) then holds the header alone,
 * naming the chunks' count and size</td>
 * <td>ttl until the record is stored, then key ttl; dead-letter ttl once dead-lettered;
 * deleted with the record</td>
 * </tr>
 * </table>
 * The key ttl is {@code ttl + dead-letter-ttl}, refreshed on every write; the key ttl
 * only frees memory when no instance serving the label ever runs again. Records that
 * nobody claimed by their {@code expiry} score (or, once released, nobody who reads their
 * version) are dead-lettered by the next claim of the label; once claimed, a record is
 * governed by {@code max-deliveries} instead. Each dead letter expires
 * {@code dead-letter-ttl} after it was made, whatever the label does later. The
 * notification channel is {@code <namespace>:handoff:{<label>}:notify}; its messages
 * carry a record id (or, after a release, a claim id). The store's startup check uses the
 * label {@code :check} (no user label contains a colon), whose keys live at most a
 * minute.
 * <p>
 * <b>How long an acknowledged id is remembered: the retention.</b> A replay of an
 * initiate is a write of the same record id: Lettuce re-sending it after a reconnect
 * (within the command timeout), the shutdown retrying it (within the shutdown timeout),
 * or a caller retrying {@code HandoffOperations.initiate} with its own record id. A
 * replay can also be a record's keys copied back into Redis by someone who can write
 * them. {@code initiate.lua} stores nothing for an acknowledged id, and {@code claim.lua}
 * dead-letters an acknowledged id it finds waiting (cause {@code REPLAYED}) instead of
 * delivering it, for the retention
 * ({@link dev.handoff.HandoffStore.Policy#acknowledgedRetention()}:
 * {@code ttl + max-deliveries × lease + 10 min}, or {@code + ttl} when the ttl is shorter
 * than 10 min), past which a signed record is rejected by its age; at 100 records a
 * second and the defaults, about 430 000 ids.
 * <p>
 * <b>Commands.</b> No operation uses {@code MULTI}: each is one script, which Redis runs
 * atomically, and which is idempotent, because Lettuce re-sends a command whose reply a
 * lost connection swallowed. Scripts go by {@code EVALSHA}; a node that answers
 * {@code NOSCRIPT} (after a restart or a failover, or a Cluster node that has not seen
 * the script yet) gets {@code EVAL} with the body once, which also loads it. A script
 * that a Cluster node answers with {@code TRYAGAIN}, while the label's slot migrates and
 * its keys are split between two nodes, is sent again after a pause, until it runs or the
 * operation's timeout ends; Lettuce and Jedis follow {@code MOVED} and {@code ASK}
 * themselves. Scripts read the clock with {@code TIME}, so leases do not depend on the
 * instances' clocks.
 * <ul>
 * <li><b>initiate</b>: {@code EVALSHA initiate.lua}: {@code HSET pending} of the
 * envelope, then the record's {@code expiry}, then {@code PUBLISH} of its id; nothing for
 * a record the label already knows. A batch of records (all participants at shutdown) is
 * one pipeline, so one round trip per node. When no reply comes, the store asks
 * {@code EVALSHA locate.lua} where the record is before it reports it not stored.</li>
 * <li><b>claim</b>: {@code EVALSHA claim.lua} then {@code HGETALL claim:<claim id>}, in
 * one flush. The script drops expired dead letters, gives the records of lapsed claims
 * back to {@code pending} (or to {@code dead} after {@code max-deliveries} claims),
 * dead-letters expired records, then takes what waits: when every pending record fits
 * {@code max-record-size} and together {@code max-claim-size}, and none is released, it
 * {@code RENAME}s {@code pending} to the new claim's hash (no payload passes through
 * Lua); otherwise it moves records one by one, oldest first, dead-letters those over
 * {@code max-record-size} without sending them, takes released records of a version the
 * claimer reads, and stops at {@code max-claim-size}, saying that more wait. A waiting
 * record whose id is in {@code acked} is dead-lettered as {@code REPLAYED} rather than
 * taken. It records the owner and raises the attempt count of each record taken, and adds
 * the claim to {@code claims} with its lease deadline. Claims of several labels (startup,
 * each poll) are one pipeline. A claim whose reply never came is sent again under the
 * same claim id by the next claim of its label, and its replay returns what it took and
 * its report.</li>
 * <li><b>large records</b>: the payload of a record over the chunk size is written as it
 * is serialized, one {@code EVALSHA write-chunk.lua} ({@code HSET chunks:<id>} and
 * {@code PEXPIRE}) per 1 MiB chunk, sent while the next is serialized, before its
 * initiate; until that initiate no claim sees the record, so a write cut midway leaves
 * only chunks that expire unread (and that the writer deletes with
 * {@code EVALSHA delete-chunks.lua} when it can). The taker reads them one by one with
 * {@code EVALSHA read-chunk.lua} ({@code HGET}), asking for the next while it parses the
 * last, under its claim's lease; a taker that dies midway leaves them in place for the
 * next claim. {@code acknowledge.lua} deletes them with the record, the dead-letter
 * scripts give them the dead letter's ttl, and dropping or deleting the dead letter
 * deletes them.</li>
 * <li><b>renew</b>: {@code EVALSHA renew.lua}, every third of the lease while a receiver
 * merges: moves the claim's lease deadline to now + lease.</li>
 * <li><b>checkpoint</b>, with {@code handoff.checkpoint.interval}: {@code EVALSHA
 * checkpoint.lua} per label, all in one pipeline, every interval: replaces the instance's
 * checkpoint hash with the new record, indexes it in {@code owner}, and puts the
 * checkpoint's claim id ({@code checkpoint:<instance>}) in {@code claims} scored by now +
 * {@code handoff.checkpoint.lease}. The heartbeat is {@code EVALSHA renew.lua} of that
 * claim id for every label, one pipeline every third of the lease. A claim that finds the
 * checkpoint lapsed gives its record back to {@code pending} with a fresh {@code expiry}
 * (a first taker's ttl), without counting a delivery, and takes it. With checkpoints on,
 * {@code acknowledge.lua} also writes the acknowledging instance's checkpoint of the
 * merge, and the final handoff's {@code initiate.lua} removes the instance's checkpoint
 * of the label, each in the same script (a final record whose checkpoint lapsed and was
 * claimed goes to {@code dead} instead, since part of it was merged already);
 * {@code checkpoints.lua} holds the function the three scripts share, which
 * {@link Script} puts before each of them.</li>
 * <li><b>acknowledge</b>: {@code EVALSHA acknowledge.lua}. Removes the records the claim
 * still owns, remembers their ids and the acknowledging claim in {@code acked} and
 * {@code acked-by}, and answers per record whether this claim, another claim or nobody
 * acknowledged it.</li>
 * <li><b>dead-letter</b>: {@code EVALSHA dead-letter.lua}. Moves one claimed record to
 * {@code dead}.</li>
 * <li><b>release</b>: {@code EVALSHA release.lua}. Moves claimed records to
 * {@code released} with their version, lowers their attempt count back, and
 * {@code PUBLISH}es on the label's channel.</li>
 * <li><b>inspect</b>: {@code EVALSHA inspect.lua} per label, in one pipeline, waiting at
 * most 2 seconds, for health checks and gauges: {@code HLEN} of {@code pending},
 * {@code released} and {@code owner}, {@code ZCOUNT} of {@code dead-expiry}.</li>
 * <li><b>list, requeue, delete</b>, for the Actuator endpoint: {@code EVALSHA list.lua}
 * reads each record's header line inside Redis (the payload never leaves it);
 * {@code EVALSHA requeue.lua} moves a dead letter back to {@code pending} with its
 * attempts reset, a fresh {@code expiry} and a {@code PUBLISH};
 * {@code EVALSHA delete-dead-letter.lua} removes one.</li>
 * <li><b>waiting</b>: after startup, off its path, {@code SCAN MATCH
 * <namespace>:handoff:{*}:expiry} (on every Cluster master) and {@code HLEN} of
 * {@code pending} and {@code released} per label found, to warn of labels that no
 * participant claims. It stops after 100 000 matching keys; {@code SCAN} itself examines
 * the keyspace until then, so on a large shared Redis it costs one round trip per 1000
 * keys.</li>
 * <li><b>durable initiate</b>, with {@link #setDurability}: the initiates and then
 * {@code WAIT numreplicas timeout} (or {@code WAITAOF 1 numreplicas timeout}) in one
 * pipeline on a dedicated connection (the one Spring's {@code LettuceConnection} opens
 * for a pipeline, a new connection per batch unless the factory pools them, or a Jedis
 * connection from the pool), so the wait covers exactly these writes and blocks no other
 * command; a record stored but not as durable as asked is reported so, never refused. Not
 * on Redis Cluster.</li>
 * <li><b>durability risks</b>: after startup, once, {@code CONFIG GET *} (on every
 * Cluster master), to warn of {@code appendonly no}, {@code appendfsync no} and an
 * evicting {@code maxmemory-policy}.</li>
 * <li><b>subscribe</b>: {@code SUBSCRIBE} to the labels' channels; every (re)subscription
 * counts as a notification of all of them, so records published while it was down are
 * claimed at once.</li>
 * </ul>
 * With Lettuce the commands go through Lettuce's native connection that Spring Data Redis
 * shares; with Jedis through Spring Data Redis' connections from the pool, two round
 * trips for a claim on Redis Cluster, where Jedis cannot pipeline.
 */
public final class RedisHandoffStore implements HandoffStore, DisposableBean {

	static final String CHECK_LABEL = ":check";

	/**
	 * The check's keys live at most a minute: ttl + dead-letter ttl, and the acknowledged
	 * retention, ttl + lease + ttl.
	 */
	private static final Policy CHECK_POLICY = new Policy(Duration.ofSeconds(20), Duration.ofSeconds(15), 1,
			Duration.ofSeconds(30));

	private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

	private static final Duration TRY_AGAIN_PAUSE = Duration.ofMillis(25);

	private static final Duration INSPECT_TIMEOUT = Duration.ofSeconds(2);

	private static final int MAX_CACHED_LABELS = 1000;

	/**
	 * A record's envelope is its data and a header; a taker's size limit allows this much
	 * for the header.
	 */
	private static final long ENVELOPE_HEADER_ALLOWANCE = 64 * 1024;

	/**
	 * The size of a large record's chunks: small next to Redis' 512 MiB limit on a value
	 * and to a heap, large enough that a round trip per chunk costs little next to its
	 * transfer.
	 */
	static final int CHUNK_SIZE = 1024 * 1024;

	private final String namespace;

	private final CommandRunner runner;

	private final Subscriptions subscriptions;

	private final Duration timeout;

	/**
	 * With a counter, makes claim ids unique without a random UUID (and its SecureRandom)
	 * per claim.
	 */
	private final String claimIdPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";

	private final AtomicLong claims = new AtomicLong();

	private final Map<String, Keys> keysByLabel = new ConcurrentHashMap<>();

	private final PolicyArgs args;

	private final RedisConnectionFactory connectionFactory;

	/** The hosts the connection factory reaches. */
	private final List<String> hosts;

	private volatile Durability durability = Durability.NONE;

	/**
	 * Label → id of its last claim, when that claim got no reply: the next claim of the
	 * label re-uses the id.
	 */
	private final Map<String, String> unansweredClaims = new ConcurrentHashMap<>();

	/**
	 * Creates a store.
	 * @param connectionFactory the connection factory
	 * @param namespace the first part of every key, usually the application name
	 * @param policy the ttl, lease and delivery limits
	 */
	public RedisHandoffStore(RedisConnectionFactory connectionFactory, String namespace, Policy policy) {
		this(connectionFactory, namespace, policy, MasterReplica.NONE);
	}

	/**
	 * Creates a store for a connection factory that may be static master/replica, on
	 * which Lettuce refuses pub/sub.
	 * @param connectionFactory the connection factory
	 * @param namespace the first part of every key, usually the application name
	 * @param policy the ttl, lease and delivery limits
	 * @param masterReplica the master/replica nodes and user, to subscribe to one of them
	 * for notifications
	 */
	public RedisHandoffStore(RedisConnectionFactory connectionFactory, String namespace, Policy policy,
			MasterReplica masterReplica) {
		Assert.notNull(connectionFactory, "'connectionFactory' must not be null");
		Assert.hasText(namespace, "'namespace' must not be empty");
		Assert.isTrue(namespace.chars().noneMatch((c) -> c == '{' || c == '}' || Character.isWhitespace(c)),
				"'namespace' must not contain '{', '}' or whitespace");
		Assert.notNull(policy, "'policy' must not be null");
		this.namespace = namespace;
		this.args = PolicyArgs.of(policy);
		this.connectionFactory = connectionFactory;
		if (isLettuce(connectionFactory)) {
			LettuceConnectionFactory lettuce = (LettuceConnectionFactory) connectionFactory;
			this.runner = new LettuceCommandRunner(lettuce);
			this.timeout = lettuce.getClientConfiguration().getCommandTimeout();
		}
		else {
			this.runner = new SpringDataCommandRunner(connectionFactory);
			this.timeout = DEFAULT_TIMEOUT;
		}
		Assert.notNull(masterReplica, "'masterReplica' must not be null");
		this.hosts = List.copyOf(ConnectionSettings.hosts(connectionFactory, masterReplica.nodes()));
		this.subscriptions = (!masterReplica.nodes().isEmpty() && isLettuce(connectionFactory))
				? new MasterReplicaNotifications((LettuceConnectionFactory) connectionFactory, masterReplica.nodes(),
						masterReplica.username())
				: new Notifications(connectionFactory);
	}

	/**
	 * A store like another, sharing its connections, with another policy: the startup
	 * check's.
	 */
	private RedisHandoffStore(RedisHandoffStore store, Policy policy) {
		this.namespace = store.namespace;
		this.args = PolicyArgs.of(policy);
		this.hosts = store.hosts;
		this.durability = store.durability;
		this.runner = store.runner;
		this.connectionFactory = store.connectionFactory;
		this.subscriptions = store.subscriptions;
		this.timeout = store.timeout;
	}

	private static boolean isLettuce(RedisConnectionFactory connectionFactory) {
		return ClassUtils.isPresent("io.lettuce.core.RedisClient", RedisHandoffStore.class.getClassLoader())
				&& connectionFactory instanceof LettuceConnectionFactory;
	}

	@Override
	public List<Initiated> initiate(List<HandoffRecord<byte[]>> records) {
		return initiate(records, this.timeout);
	}

	@Override
	public List<Initiated> initiate(List<HandoffRecord<byte[]>> records, Duration timeout) {
		return handOff(records, "", Map.of(), timeout);
	}

	@Override
	public List<Initiated> handOff(List<HandoffRecord<byte[]>> records, String instance,
			Map<String, String> checkpoints, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<Command> commands = new ArrayList<>(records.size());
		for (HandoffRecord<byte[]> record : records) {
			Keys keys = keys(record.label());
			String checkpoint = checkpoints.get(record.label());
			if (checkpoint == null) {
				commands.add(eval(Script.INITIATE,
						List.of(keys.pending(), keys.expiry(), keys.owner(), keys.acked(), keys.dead(),
								keys.released()),
						record.id(), Envelope.encode(record), keys.channel(), this.args.ttl(), this.args.keyTtl()));
			}
			else {
				String checkpointId = checkpointId(instance);
				commands.add(eval(Script.INITIATE,
						List.of(keys.pending(), keys.expiry(), keys.owner(), keys.acked(), keys.dead(), keys.released(),
								keys.claims(), keys.claim(checkpointId), keys.deadReasons(), keys.deadExpiry()),
						record.id(), Envelope.encode(record), keys.channel(), this.args.ttl(), this.args.keyTtl(),
						checkpointId, checkpoint, this.args.deadLetterTtl()));
			}
		}
		Durability durability = this.durability;
		String shortfall = null;
		List<Reply> replies;
		if (durability.isRequired()) {
			Waited waited = runDurably(commands, durability, timeout);
			replies = waited.replies();
			shortfall = waited.shortfall();
		}
		else {
			replies = runScripts(commands, timeout);
		}
		List<Initiated> results = new ArrayList<>(records.size());
		Map<Integer, HandoffRecord<byte[]>> unanswered = new LinkedHashMap<>();
		for (int i = 0; i < records.size(); i++) {
			String id = records.get(i).id();
			Reply reply = replies.get(i);
			if (reply instanceof Reply.Value value && value.value() instanceof Number code && code.intValue() == 2) {
				results.add(new Initiated(id, Outcome.NOT_STORED, LAPSED_CHECKPOINT, false, null));
			}
			else if (reply instanceof Reply.Value) {
				results.add((shortfall != null) ? Initiated.storedNotDurable(id, shortfall) : Initiated.stored(id));
			}
			else if (reply instanceof Reply.RedisError error) {
				results.add(new Initiated(id, Outcome.NOT_STORED, "Redis refused it: " + error.message(), false));
			}
			else {
				results.add(null);
				unanswered.put(i, records.get(i));
			}
		}
		if (!unanswered.isEmpty()) {
			locate(unanswered, replies, results, remaining(deadline));
		}
		return results;
	}

	/**
	 * Settles initiates whose reply did not come, by asking Redis where each record is.
	 */
	private void locate(Map<Integer, HandoffRecord<byte[]>> unanswered, List<Reply> replies, List<Initiated> results,
			Duration timeout) {
		List<Command> commands = new ArrayList<>(unanswered.size());
		unanswered.values().forEach((record) -> {
			Keys keys = keys(record.label());
			commands.add(locate(keys, record.id()));
		});
		List<Reply> located = runScripts(commands, timeout);
		int j = 0;
		for (Map.Entry<Integer, HandoffRecord<byte[]>> entry : unanswered.entrySet()) {
			String id = entry.getValue().id();
			String lost = RedisErrors.describe(((Reply.NoAnswer) replies.get(entry.getKey())).cause());
			Reply reply = located.get(j++);
			if (reply instanceof Reply.Value value && value.value() instanceof byte[] where) {
				String place = string(where);
				results.set(entry.getKey(),
						"absent".equals(place)
								? new Initiated(id, Outcome.NOT_STORED,
										"no reply from Redis (" + lost + "), and the record is not in Redis", true)
								: this.durability.isRequired()
										? Initiated.storedNotDurable(id,
												"the reply to its write was "
														+ "lost, so its durability could not be awaited")
										: Initiated.stored(id));
			}
			else {
				results.set(entry.getKey(), new Initiated(id, Outcome.UNKNOWN,
						"no reply from Redis (" + lost + "), and Redis could not be asked whether the record arrived",
						true));
			}
		}
	}

	private static Command.Eval locate(Keys keys, String recordId) {
		return eval(Script.LOCATE, List.of(keys.pending(), keys.owner(), keys.acked(), keys.dead(), keys.released()),
				recordId);
	}

	/**
	 * Claims labels in one pipeline. A label whose last claim got no reply is claimed
	 * again under that claim's id, so that the script's replay returns what the lost
	 * claim took and settled, rather than leaving it to the lease.
	 */
	@Override
	public Claims claim(Collection<ClaimRequest> requests, String claimer) {
		Map<String, String> claimIds = new LinkedHashMap<>();
		List<Command> commands = new ArrayList<>(requests.size() * 2);
		for (ClaimRequest request : requests) {
			String label = request.label();
			Keys keys = keys(label);
			String unanswered = this.unansweredClaims.remove(label);
			String claimId = (unanswered != null) ? unanswered
					: claimer + "/" + this.claimIdPrefix + this.claims.incrementAndGet();
			claimIds.put(label, claimId);
			byte[] claimKey = keys.claim(claimId);
			commands.add(eval(Script.CLAIM,
					List.of(keys.pending(), keys.expiry(), keys.attempts(), keys.owner(), keys.claims(), claimKey,
							keys.dead(), keys.deadReasons(), keys.deadExpiry(), keys.released(),
							keys.releasedVersions(), keys.report(claimId), keys.acked()),
					claimId, this.args.lease(), this.args.keyTtl(), this.args.deadLetterTtl(),
					this.args.maxDeliveries(), request.version(), this.args.maxRecord(), this.args.maxClaim(),
					this.args.ttl()));
			commands.add(new Command.HashGetAll(claimKey));
		}
		List<Reply> replies = runScripts(commands, this.timeout);
		Map<String, HandoffClaim> claims = new LinkedHashMap<>();
		Map<String, RuntimeException> failures = new LinkedHashMap<>();
		int i = 0;
		for (Map.Entry<String, String> entry : claimIds.entrySet()) {
			String label = entry.getKey();
			Reply script = replies.get(i++);
			Reply payloads = replies.get(i++);
			if (script instanceof Reply.NoAnswer || payloads instanceof Reply.NoAnswer) {
				this.unansweredClaims.put(label, entry.getValue());
			}
			try {
				claims.put(label, claimed(label, entry.getValue(), value(script, "claim", label),
						value(payloads, "claim", label)));
			}
			catch (RuntimeException ex) {
				failures.put(label, ex);
			}
		}
		return new Claims(claims, failures);
	}

	private static HandoffClaim claimed(String label, String claimId, @Nullable Object scriptReply,
			@Nullable Object payloads) {
		List<?> script = (List<?>) scriptReply;
		Assert.state(script != null && script.size() == 7 && payloads instanceof Map<?, ?>,
				"Unexpected reply to a claim");
		List<String> ids = strings(script.get(0));
		List<?> attempts = (List<?>) script.get(1);
		List<String> deadIds = strings(script.get(2));
		List<String> causes = strings(script.get(3));
		List<String> reasons = strings(script.get(4));
		List<HandoffClaim.DeadLetter> deadLettered = new ArrayList<>(deadIds.size());
		for (int i = 0; i < deadIds.size(); i++) {
			deadLettered.add(new HandoffClaim.DeadLetter(deadIds.get(i), HandoffClaim.Cause.valueOf(causes.get(i)),
					reasons.get(i)));
		}
		Map<String, byte[]> byId = new LinkedHashMap<>();
		((Map<?, ?>) payloads).forEach((id, envelope) -> byId.put(string((byte[]) id), (byte[]) envelope));
		List<HandoffClaim.Delivery> deliveries = new ArrayList<>(ids.size());
		List<HandoffClaim.Unreadable> unreadable = new ArrayList<>();
		for (int i = 0; i < ids.size(); i++) {
			byte[] envelope = byId.get(ids.get(i));
			if (envelope == null) {
				continue;
			}
			try {
				HandoffRecord<byte[]> record = Envelope.decode(envelope);
				if (!record.id().equals(ids.get(i))) {
					// Settled under the id it is stored as, which the claim owns; the
					// header's id is not.
					unreadable.add(new HandoffClaim.Unreadable(ids.get(i),
							"its header names record " + record.id() + ", but it is stored as record " + ids.get(i)));
					continue;
				}
				deliveries.add(new HandoffClaim.Delivery(record, ((Number) attempts.get(i)).intValue()));
			}
			catch (RuntimeException ex) {
				unreadable.add(new HandoffClaim.Unreadable(ids.get(i),
						"not a Handoff envelope this version reads (" + ex.getMessage() + ")"));
			}
		}
		deliveries.sort(Comparator.comparing((delivery) -> delivery.record().createdAt()));
		return new HandoffClaim(claimId, label, deliveries, unreadable, deadLettered, strings(script.get(5)),
				((Number) script.get(6)).intValue() == 1);
	}

	@Override
	public boolean renew(HandoffClaim claim) {
		Keys keys = keys(claim.label());
		Object renewed = value(runScript(eval(Script.RENEW, List.of(keys.claims()), claim.id(), this.args.lease())),
				"renewal", claim.label());
		return renewed instanceof Number number && number.intValue() == 1;
	}

	@Override
	public boolean supportsCheckpoints() {
		return true;
	}

	/**
	 * Writes checkpoints with {@code checkpoint.lua}, in one pipeline.
	 */
	@Override
	public List<Checkpointed> checkpoint(List<Checkpoint> checkpoints) {
		List<Command> commands = new ArrayList<>(checkpoints.size());
		for (Checkpoint checkpoint : checkpoints) {
			Keys keys = keys(checkpoint.label());
			String checkpointId = checkpointId(checkpoint.instance());
			List<Object> arguments = new ArrayList<>(6);
			arguments.add(checkpointId);
			arguments.addAll(checkpointArguments(checkpoint));
			commands.add(eval(Script.CHECKPOINT, List.of(keys.claims(), keys.claim(checkpointId), keys.owner()),
					arguments.toArray()));
		}
		List<Reply> replies = runScripts(commands, this.timeout);
		List<Checkpointed> results = new ArrayList<>(checkpoints.size());
		for (int i = 0; i < checkpoints.size(); i++) {
			String label = checkpoints.get(i).label();
			Reply reply = replies.get(i);
			if (reply instanceof Reply.Value value && value.value() instanceof Number held) {
				results.add(new Checkpointed(label, true, held.intValue() == 0, null));
			}
			else if (reply instanceof Reply.RedisError error) {
				results.add(new Checkpointed(label, false, false, "Redis refused it: " + error.message()));
			}
			else {
				String cause = (reply instanceof Reply.NoAnswer none) ? RedisErrors.describe(none.cause())
						: "an unexpected reply";
				results.add(new Checkpointed(label, false, false, "no reply from Redis (" + cause + ")"));
			}
		}
		return results;
	}

	/**
	 * Renews checkpoints with {@code renew.lua}, in one pipeline.
	 */
	@Override
	public List<String> renewCheckpoints(String instance, Collection<String> labels, Duration lease) {
		String checkpointId = checkpointId(instance);
		byte[] leaseArg = bytes(String.valueOf(lease.toMillis()));
		List<Command> commands = new ArrayList<>(labels.size());
		labels.forEach(
				(label) -> commands.add(eval(Script.RENEW, List.of(keys(label).claims()), checkpointId, leaseArg)));
		List<Reply> replies = runScripts(commands, this.timeout);
		List<String> lapsed = new ArrayList<>();
		int i = 0;
		for (String label : labels) {
			Object renewed = value(replies.get(i++), "heartbeat", label);
			if (!(renewed instanceof Number number && number.intValue() == 1)) {
				lapsed.add(label);
			}
		}
		return lapsed;
	}

	private static String checkpointId(String instance) {
		return "checkpoint:" + instance;
	}

	/**
	 * The arguments of a checkpoint after its claim id: lease, key ttl, record id,
	 * envelope, previous id.
	 */
	private List<Object> checkpointArguments(Checkpoint checkpoint) {
		HandoffRecord<byte[]> record = checkpoint.record();
		String previous = checkpoint.previous();
		return List.of(checkpoint.lease().toMillis(), this.args.keyTtl(), (record != null) ? record.id() : "",
				(record != null) ? Envelope.encode(record) : new byte[0], (previous != null) ? previous : "");
	}

	/**
	 * Acknowledges the records of several claims in one pipeline.
	 * @throws HandoffException when Redis refused or did not answer any of them; the
	 * others are acknowledged
	 */
	@Override
	public List<Acknowledged> acknowledge(List<Acknowledgement> acknowledgements) {
		List<Command> commands = new ArrayList<>(acknowledgements.size());
		for (Acknowledgement acknowledgement : acknowledgements) {
			HandoffClaim claim = acknowledgement.claim();
			Keys keys = keys(claim.label());
			List<Object> arguments = new ArrayList<>(acknowledgement.recordIds().size() + 9);
			arguments.add(claim.id());
			arguments.add(this.args.acknowledgedRetention());
			arguments.add(acknowledgement.recordIds().size());
			arguments.addAll(acknowledgement.recordIds());
			List<byte[]> scriptKeys = new ArrayList<>(List.of(keys.claim(claim.id()), keys.claims(), keys.owner(),
					keys.expiry(), keys.attempts(), keys.acked(), keys.ackedBy(), keys.report(claim.id())));
			Checkpoint checkpoint = acknowledgement.checkpoint();
			if (checkpoint != null) {
				String checkpointId = checkpointId(checkpoint.instance());
				scriptKeys.add(keys.claim(checkpointId));
				arguments.add(checkpointId);
				arguments.addAll(checkpointArguments(checkpoint));
			}
			commands.add(eval(Script.ACKNOWLEDGE, scriptKeys, arguments.toArray()));
		}
		List<Reply> replies = runScripts(commands, this.timeout);
		List<Acknowledged> results = new ArrayList<>(replies.size());
		RuntimeException failure = null;
		for (int i = 0; i < replies.size(); i++) {
			Acknowledgement acknowledgement = acknowledgements.get(i);
			try {
				List<?> codes = (List<?>) value(replies.get(i), "acknowledge", acknowledgement.claim().label());
				int checkpointed = (acknowledgement.checkpoint() != null) ? 1 : 0;
				Assert.state(codes != null && codes.size() == acknowledgement.recordIds().size() + checkpointed,
						"Unexpected reply to an acknowledge");
				List<String> acknowledged = new ArrayList<>();
				List<String> byAnother = new ArrayList<>();
				List<String> held = new ArrayList<>();
				int j = 0;
				for (String id : acknowledgement.recordIds()) {
					switch (((Number) codes.get(j++)).intValue()) {
						case 1 -> acknowledged.add(id);
						case 2 -> byAnother.add(id);
						default -> held.add(id);
					}
				}
				boolean lapsed = checkpointed == 1 && ((Number) codes.get(j)).intValue() == 0;
				results.add(new Acknowledged(acknowledged, byAnother, held, lapsed));
			}
			catch (RuntimeException ex) {
				failure = ex;
			}
		}
		if (failure != null) {
			throw failure;
		}
		return results;
	}

	@Override
	public boolean deadLetter(HandoffClaim claim, String recordId, String reason) {
		Keys keys = keys(claim.label());
		Object moved = value(runScript(eval(Script.DEAD_LETTER,
				List.of(keys.claim(claim.id()), keys.claims(), keys.owner(), keys.expiry(), keys.attempts(),
						keys.dead(), keys.deadReasons(), keys.deadExpiry()),
				claim.id(), recordId, reason, this.args.deadLetterTtl())), "dead-letter", claim.label());
		return moved instanceof Number number && number.intValue() == 1;
	}

	@Override
	public int release(HandoffClaim claim, Collection<String> recordIds) {
		Keys keys = keys(claim.label());
		Map<String, Integer> versions = new LinkedHashMap<>();
		claim.deliveries().forEach((delivery) -> versions.put(delivery.record().id(), delivery.record().version()));
		List<Object> arguments = new ArrayList<>(recordIds.size() * 2 + 3);
		arguments.add(claim.id());
		arguments.add(keys.channel());
		arguments.add(this.args.keyTtl());
		for (String id : recordIds) {
			Integer version = versions.get(id);
			Assert.isTrue(version != null,
					() -> "Record " + id + " is not among the deliveries of claim " + claim.id());
			arguments.add(id);
			arguments.add(version);
		}
		Object released = value(
				runScript(
						eval(Script.RELEASE,
								List.of(keys.claim(claim.id()), keys.claims(), keys.owner(), keys.attempts(),
										keys.released(), keys.releasedVersions()),
								arguments.toArray())),
				"release", claim.label());
		return (released instanceof Number number) ? number.intValue() : 0;
	}

	/**
	 * Counts each label's records with one {@code EVALSHA inspect.lua} per label, in one
	 * pipeline.
	 */
	@Override
	public Map<String, Counts> inspect(Collection<String> labels) {
		List<Command> commands = new ArrayList<>(labels.size());
		for (String label : labels) {
			Keys keys = keys(label);
			commands
				.add(eval(Script.INSPECT, List.of(keys.pending(), keys.released(), keys.owner(), keys.deadExpiry())));
		}
		// A health probe must answer while Redis is away, not wait out the command
		// timeout.
		List<Reply> replies = runScripts(commands, min(this.timeout, INSPECT_TIMEOUT));
		Map<String, Counts> counts = new LinkedHashMap<>();
		int i = 0;
		for (String label : labels) {
			List<?> reply = (List<?>) value(replies.get(i++), "inspection", label);
			Assert.state(reply != null && reply.size() == 3, "Unexpected reply to an inspection");
			counts.put(label, new Counts(((Number) reply.get(0)).longValue(), ((Number) reply.get(1)).longValue(),
					((Number) reply.get(2)).longValue()));
		}
		return counts;
	}

	/**
	 * Lists a label's records with one {@code EVALSHA list.lua}, which returns each
	 * envelope's header line, never its payload.
	 */
	@Override
	public List<StoredRecord> list(String label, int limit) {
		Keys keys = keys(label);
		List<?> reply = (List<?>) value(runScript(eval(Script.LIST, List.of(keys.pending(), keys.released(),
				keys.owner(), keys.dead(), keys.deadReasons(), keys.attempts()), limit)), "listing", label);
		Assert.state(reply != null && reply.size() % 6 == 0, "Unexpected reply to a listing");
		List<StoredRecord> records = new ArrayList<>(reply.size() / 6);
		for (int i = 0; i < reply.size(); i += 6) {
			String id = string((byte[]) reply.get(i + 1));
			Where where = Where.valueOf(string((byte[]) reply.get(i)));
			String reason = string((byte[]) reply.get(i + 5));
			long size = ((Number) reply.get(i + 3)).longValue();
			int attempts = ((Number) reply.get(i + 4)).intValue();
			try {
				Envelope.Header header = Envelope.header((byte[]) reply.get(i + 2));
				records.add(new StoredRecord(id, where, header.version(), header.origin(), header.createdAt(), attempts,
						size, reason.isEmpty() ? null : reason));
			}
			catch (HandoffException ex) {
				records.add(new StoredRecord(id, where, 0, "(unreadable envelope)", Instant.EPOCH, attempts, size,
						reason.isEmpty() ? ex.getMessage() : reason));
			}
		}
		return records;
	}

	@Override
	public boolean requeueDeadLetter(String label, String recordId) {
		Keys keys = keys(label);
		Object requeued = value(
				runScript(eval(Script.REQUEUE,
						List.of(keys.pending(), keys.expiry(), keys.attempts(), keys.dead(), keys.deadReasons(),
								keys.deadExpiry()),
						recordId, this.args.ttl(), this.args.keyTtl(), keys.channel())),
				"requeue", label);
		return requeued instanceof Number number && number.intValue() == 1;
	}

	@Override
	public boolean deleteDeadLetter(String label, String recordId) {
		Keys keys = keys(label);
		Object deleted = value(runScript(
				eval(Script.DELETE_DEAD_LETTER, List.of(keys.dead(), keys.deadReasons(), keys.deadExpiry()), recordId)),
				"deletion", label);
		return deleted instanceof Number number && number.intValue() == 1;
	}

	@Override
	public int chunkSize() {
		return CHUNK_SIZE;
	}

	@Override
	public ChunkWrite writeChunk(String label, String recordId, int index, byte[] chunk, Duration timeout) {
		Command.Eval command = eval(Script.WRITE_CHUNK, List.of(keys(label).chunks(recordId)), index, chunk,
				this.args.ttl());
		Supplier<Reply> sent = send(command, min(timeout, this.timeout));
		return () -> value(sent.get(), "write of chunk " + index + " of record " + recordId, label);
	}

	@Override
	public ChunkRead readChunk(String label, String recordId, int index) {
		Supplier<Reply> sent = send(eval(Script.READ_CHUNK, List.of(keys(label).chunks(recordId)), index),
				this.timeout);
		return () -> (value(sent.get(), "read of chunk " + index + " of record " + recordId,
				label) instanceof byte[] chunk) ? chunk : null;
	}

	/**
	 * Sends a script without waiting for its reply; it goes again through
	 * {@link #runScripts} when its node answered {@code NOSCRIPT} or {@code TRYAGAIN}.
	 */
	private Supplier<Reply> send(Command.Eval command, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		CommandRunner.Sent sent = this.runner.send(List.of(command), timeout);
		return () -> {
			Reply reply = sent.await().get(0);
			if (reply instanceof Reply.RedisError error && (error.isNoScript() || error.isTryAgain())) {
				return runScripts(List.of(command), remaining(deadline)).get(0);
			}
			return reply;
		};
	}

	@Override
	public void deleteChunks(String label, String recordId) {
		Keys keys = keys(label);
		value(runScript(eval(Script.DELETE_CHUNKS, List.of(keys.chunks(recordId)))),
				"deletion of the chunks of record " + recordId, label);
	}

	/**
	 * Scans the namespace for labels with records not yet settled ({@code SCAN} of
	 * {@code expiry} keys, on every master of a Cluster, at most 100 000 keys), then
	 * counts each one's waiting records with {@code HLEN}.
	 */
	@Override
	public Map<String, Long> waiting(int maxLabels) {
		return LabelScan.waiting(this.connectionFactory, this.namespace, maxLabels, CHECK_LABEL);
	}

	@Override
	public HandoffSubscription subscribe(Collection<String> labels, Consumer<Collection<String>> onAvailable) {
		Map<String, String> labelsByChannel = new LinkedHashMap<>();
		labels.forEach((label) -> labelsByChannel.put(string(keys(label).channel()), label));
		return this.subscriptions.subscribe(labelsByChannel, onAvailable::accept);
	}

	/**
	 * Runs every operation of the protocol once on the label {@code :check}, whose keys
	 * live one minute: initiate (with its {@code PUBLISH}, received on a subscription of
	 * its own), locate, claim, renew, dead-letter, release, a second claim, acknowledge,
	 * an inspection, and a chunk written, read and deleted. (The scan for unclaimed
	 * labels runs after startup, off its path, and reports its own failure.) A missing
	 * ACL permission, a script Redis refuses or a topology that delivers no notifications
	 * fails here, at startup, rather than at the first deploy.
	 */
	@Override
	public void verify() {
		if (this.runner instanceof LettuceCommandRunner lettuce && this.subscriptions instanceof Notifications
				&& isMasterReplica(lettuce)) {
			throw new HandoffConfigurationException(
					"Handoff's Redis store has a static master/replica connection "
							+ "factory, on which Lettuce refuses pub/sub, and no master/replica nodes to subscribe to.",
					"Configure the connection with spring.data.redis.masterreplica.nodes, or create the "
							+ "RedisHandoffStore with RedisHandoffStore.MasterReplica naming the nodes.");
		}
		checkDurability();
		Keys keys = keys(CHECK_LABEL);
		BlockingQueue<Collection<String>> notified = new LinkedBlockingQueue<>();
		HandoffSubscription subscription;
		try {
			subscription = subscribe(List.of(CHECK_LABEL), notified::add);
		}
		catch (RuntimeException ex) {
			String refusal = RedisErrors.errorReply(ex);
			if (refusal != null) {
				throw checkFailed("SUBSCRIBE to " + string(keys.channel()), refusal);
			}
			throw new HandoffException(
					"Could not subscribe to " + string(keys.channel()) + ": " + RedisErrors.describe(ex), ex);
		}
		try {
			awaitNotification(notified, "the subscription to " + string(keys.channel()) + " was not confirmed");
			notified.clear();
			Instant now = Instant.now();
			HandoffRecord<byte[]> kept = new HandoffRecord<>(UUID.randomUUID().toString(), CHECK_LABEL, 1,
					new byte[] { '{', '}' }, "check", now);
			HandoffRecord<byte[]> dropped = new HandoffRecord<>(UUID.randomUUID().toString(), CHECK_LABEL, 1,
					new byte[] { '{', '}' }, "check", now);
			RedisHandoffStore check = new RedisHandoffStore(this, CHECK_POLICY);
			for (Initiated initiated : check.initiate(List.of(kept, dropped))) {
				if (!initiated.isStored()) {
					throw checkFailed("initiate (EVALSHA initiate.lua)", initiated.problem());
				}
			}
			awaitNotification(notified, "the PUBLISH of initiate.lua reached no subscriber");
			Object located = value(runScript(locate(keys, kept.id())), "locate", CHECK_LABEL);
			Assert.state(located != null && "pending".equals(string((byte[]) located)), "Unexpected reply to locate");
			HandoffClaim claim = check.claim(CHECK_LABEL, "check");
			Assert.state(claim.deliveries().size() == 2, "The check's claim did not return its two records");
			Assert.state(check.renew(claim), "The check's renewal did not count");
			Assert.state(check.deadLetter(claim, dropped.id(), "startup check"),
					"The check's dead letter did not count");
			Assert.state(check.release(claim, List.of(kept.id())) == 1, "The check's release did not count");
			HandoffClaim again = check.claim(CHECK_LABEL, "check");
			Assert.state(again.deliveries().size() == 1, "The check's second claim did not return its record");
			Assert.state(check.acknowledge(again, List.of(kept.id())) == 1, "The check's acknowledge did not count");
			check.inspect(List.of(CHECK_LABEL));
			byte[] chunk = { '{', '}' };
			// Read back only once the write is confirmed: a write answered NOSCRIPT goes
			// again after a read sent behind it.
			check.writeChunk(CHECK_LABEL, kept.id(), 0, chunk, this.timeout).await();
			Assert.state(Arrays.equals(check.readChunk(CHECK_LABEL, kept.id(), 0).await(), chunk),
					"The check's chunk did not read back");
			check.deleteChunks(CHECK_LABEL, kept.id());
		}
		catch (HandoffConfigurationException ex) {
			throw ex;
		}
		catch (RedisRefusedException ex) {
			throw checkFailed("the " + ex.operation(), ex.reply());
		}
		finally {
			subscription.close();
		}
	}

	private static boolean isMasterReplica(LettuceCommandRunner lettuce) {
		try {
			return lettuce.isMasterReplica();
		}
		catch (RuntimeException ex) {
			throw new HandoffException("Could not connect to Redis: " + RedisErrors.describe(ex), ex);
		}
	}

	private void awaitNotification(BlockingQueue<Collection<String>> notified, String problem) {
		try {
			if (notified.poll(this.timeout.toMillis(), TimeUnit.MILLISECONDS) == null) {
				throw checkFailed("notifications", problem + " within " + this.timeout);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new HandoffException("Interrupted while checking the Redis store", ex);
		}
	}

	private HandoffConfigurationException checkFailed(String what, @Nullable String answer) {
		return new HandoffConfigurationException(
				"Handoff's check of its Redis store (" + describe() + ", keys " + this.namespace
						+ ":handoff:*) failed at " + what + ": " + answer,
				"Grant the Redis user what Handoff needs (README.md, 'Least privilege', has the ACL SETUSER line), "
						+ "or set handoff.store-check=log to start anyway.");
	}

	@Override
	public String describe() {
		return "Redis (" + ((this.subscriptions instanceof MasterReplicaNotifications) ? "Lettuce, Redis master/replica"
				: this.runner.describe()) + ")";
	}

	/**
	 * Closes the connection this store holds.
	 */
	@Override
	public void destroy() {
		this.runner.close();
	}

	private Reply runScript(Command.Eval command) {
		return runScripts(List.of(command), this.timeout).get(0);
	}

	/**
	 * Runs writes and then {@code WAIT} (or {@code WAITAOF}) in one pipeline on a
	 * connection of their own, so the wait covers exactly these writes and blocks nobody
	 * else; writes answered {@code NOSCRIPT} go again with their body, followed by
	 * another wait.
	 */
	private Waited runDurably(List<Command> commands, Durability durability, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		Waited first = runWithWait(commands, durability, timeout);
		List<Reply> replies = new ArrayList<>(first.replies());
		List<Integer> retried = new ArrayList<>();
		List<Command> again = new ArrayList<>();
		for (int i = 0; i < commands.size(); i++) {
			if (commands.get(i) instanceof Command.Eval eval && replies.get(i) instanceof Reply.RedisError error
					&& error.isNoScript()) {
				retried.add(i);
				again.add(eval.withBody());
			}
		}
		if (again.isEmpty()) {
			return first;
		}
		Waited second = runWithWait(again, durability, remaining(deadline));
		for (int k = 0; k < retried.size(); k++) {
			replies.set(retried.get(k), second.replies().get(k));
		}
		return new Waited(replies, (second.shortfall() != null) ? second.shortfall() : first.shortfall());
	}

	private Waited runWithWait(List<Command> commands, Durability durability, Duration timeout) {
		// The wait ends before the operation's timeout, so its reply arrives within it.
		Duration within = timeout.minus(timeout.dividedBy(4));
		List<Command> batch = new ArrayList<>(commands);
		batch.add(durability.command(within));
		List<Reply> replies = this.runner.runDedicated(batch, timeout);
		return new Waited(replies.subList(0, commands.size()),
				durability.shortfall(replies.get(replies.size() - 1), durability.waitFor(within)));
	}

	/**
	 * The replies to writes, and why they are not as durable as asked.
	 *
	 * @param replies one per write
	 * @param shortfall what the wait found missing, or null when they are durable
	 */
	private record Waited(List<Reply> replies, @Nullable String shortfall) {
	}

	/**
	 * Runs commands as one pipeline, then sends again, together with the commands that
	 * followed it up to the next script (a claim's {@code HGETALL}), each script whose
	 * node answered {@code NOSCRIPT} (with its body, at once) or {@code TRYAGAIN} (after
	 * a pause: its slot is migrating on Redis Cluster and its keys are split between two
	 * nodes). The scripts are idempotent, so sending one again is safe.
	 */
	private List<Reply> runScripts(List<? extends Command> commands, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<Reply> replies = new ArrayList<>(this.runner.run(commands, timeout));
		long pause = TRY_AGAIN_PAUSE.toNanos();
		while (true) {
			List<Integer> retried = new ArrayList<>();
			List<Command> again = new ArrayList<>();
			boolean migrating = false;
			for (int i = 0; i < commands.size(); i++) {
				if (commands.get(i) instanceof Command.Eval eval && replies.get(i) instanceof Reply.RedisError error
						&& (error.isNoScript() || error.isTryAgain())) {
					migrating |= error.isTryAgain();
					retried.add(i);
					again.add(error.isNoScript() ? eval.withBody() : eval);
					for (int j = i + 1; j < commands.size() && !(commands.get(j) instanceof Command.Eval); j++) {
						retried.add(j);
						again.add(commands.get(j));
					}
				}
			}
			if (again.isEmpty() || deadline - System.nanoTime() < (migrating ? pause : 0)) {
				return replies;
			}
			if (migrating && !sleep(pause)) {
				return replies;
			}
			pause = Math.min(pause * 2, TRY_AGAIN_PAUSE.toNanos() * 8);
			List<Reply> second = this.runner.run(again, remaining(deadline));
			for (int k = 0; k < retried.size(); k++) {
				replies.set(retried.get(k), second.get(k));
			}
			commands = replace(commands, retried, again);
		}
	}

	private static List<Command> replace(List<? extends Command> commands, List<Integer> positions,
			List<Command> replacements) {
		List<Command> replaced = new ArrayList<>(commands);
		for (int k = 0; k < positions.size(); k++) {
			replaced.set(positions.get(k), replacements.get(k));
		}
		return replaced;
	}

	private static boolean sleep(long nanos) {
		try {
			TimeUnit.NANOSECONDS.sleep(nanos);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static @Nullable Object value(Reply reply, String operation, String label) {
		if (reply instanceof Reply.Value value) {
			return value.value();
		}
		if (reply instanceof Reply.RedisError error) {
			throw new RedisRefusedException(error.message(), operation, label);
		}
		RuntimeException cause = ((Reply.NoAnswer) reply).cause();
		throw new HandoffException("No answer from Redis to the " + operation + " of label '" + label + "': "
				+ RedisErrors.describe(cause), cause);
	}

	private static Command.Eval eval(Script script, List<byte[]> keys, Object... args) {
		byte[][] values = new byte[args.length][];
		for (int i = 0; i < args.length; i++) {
			values[i] = (args[i] instanceof byte[] raw) ? raw : bytes(String.valueOf(args[i]));
		}
		return new Command.Eval(script, keys.toArray(byte[][]::new), values, false);
	}

	private static Duration min(Duration first, Duration second) {
		return (first.compareTo(second) <= 0) ? first : second;
	}

	private static Duration remaining(long deadline) {
		return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
	}

	/**
	 * The policy's numbers as script arguments, encoded once rather than per command. The
	 * key ttl is {@code ttl + dead-letter-ttl}.
	 */
	// Arrays, as the client takes them: built once and never copied, compared or handed
	// out.
	@SuppressWarnings("ArrayRecordComponent")
	private record PolicyArgs(byte[] ttl, byte[] keyTtl, byte[] lease, byte[] deadLetterTtl, byte[] maxDeliveries,
			byte[] maxRecord, byte[] maxClaim, byte[] acknowledgedRetention) {

		static PolicyArgs of(Policy policy) {
			return new PolicyArgs(number(policy.ttl().toMillis()),
					number(policy.ttl().plus(policy.deadLetterTtl()).toMillis()), number(policy.lease().toMillis()),
					number(policy.deadLetterTtl().toMillis()), number(policy.maxDeliveries()),
					number(policy.maxRecordSize() + ENVELOPE_HEADER_ALLOWANCE), number(policy.maxClaimSize()),
					number(policy.acknowledgedRetention().toMillis()));
		}

		private static byte[] number(long value) {
			return bytes(String.valueOf(value));
		}

	}

	Keys keys(String label) {
		Keys keys = this.keysByLabel.get(label);
		if (keys == null) {
			keys = new Keys(this.namespace, label);
			// Participants' labels are few; a caller of HandoffOperations that makes up
			// labels gets fresh keys.
			if (this.keysByLabel.size() < MAX_CACHED_LABELS) {
				this.keysByLabel.putIfAbsent(label, keys);
			}
		}
		return keys;
	}

	/**
	 * Makes every initiate wait for replicas ({@code WAIT}) or for the append-only file
	 * ({@code WAITAOF}) after it wrote, on a connection of its own; see
	 * {@link Durability}. {@link #verify()} then checks that the server can.
	 * @param durability what to wait for
	 * @throws HandoffConfigurationException on Redis Cluster, where the wait must run on
	 * the node that took each write
	 */
	public void setDurability(Durability durability) {
		Assert.notNull(durability, "'durability' must not be null");
		if (durability.isRequired() && ConnectionSettings.isCluster(this.connectionFactory)) {
			throw new HandoffConfigurationException("handoff.durability is set, but Handoff cannot wait for the "
					+ "durability of a write on Redis Cluster: WAIT must run on the node that took the write, on "
					+ "the connection that sent it.",
					"Remove handoff.durability.replicas and "
							+ "handoff.durability.fsync, or use Redis standalone, Sentinel or master/replica.");
		}
		Duration replyTimeout = ConnectionSettings.replyTimeout(this.connectionFactory);
		if (durability.isRequired() && replyTimeout != null && durability.timeout().compareTo(replyTimeout) >= 0) {
			throw new HandoffConfigurationException(
					"handoff.durability.timeout (" + durability.timeout() + ") is "
							+ "not below the time the Redis client waits for a reply (" + replyTimeout + "), so a wait "
							+ "that runs out would look like a lost reply.",
					"Lower handoff.durability.timeout, or raise " + "spring.data.redis.timeout above it.");
		}
		this.durability = durability;
	}

	/**
	 * Sends the configured wait once, for a millisecond, so that a server that cannot
	 * ({@code WAITAOF} before Redis 7.2, or with {@code appendonly no}) or a user who may
	 * not fails startup rather than every handoff.
	 */
	private void checkDurability() {
		Durability durability = this.durability;
		if (!durability.isRequired()) {
			return;
		}
		Command.Wait wait = durability.command(Duration.ofMillis(1));
		Reply reply = this.runner.runDedicated(List.of(wait), this.timeout).get(0);
		if (reply instanceof Reply.RedisError error) {
			if (durability.fsync() && !error.message().startsWith("NOPERM")) {
				throw new HandoffConfigurationException(
						"handoff.durability.fsync needs WAITAOF with a local fsync, " + "which Redis refused: "
								+ error.message() + ". WAITAOF came with Redis 7.2, and waits for "
								+ "the local fsync only with appendonly yes.",
						"Run Redis 7.2 or later with appendonly yes, " + "or set handoff.durability.fsync=false.");
			}
			throw checkFailed(wait.name(), error.message());
		}
	}

	/**
	 * Reads the server's persistence and eviction settings with {@code CONFIG GET}; see
	 * {@link ServerSettings}.
	 */
	@Override
	public List<String> durabilityRisks() {
		return ServerSettings.risks(this.connectionFactory, this.durability.replicas());
	}

	/**
	 * Whether every Redis this store reaches is on this machine (a loopback address or
	 * {@code localhost}), as the connection factory's configuration names it.
	 * @return whether the store is on loopback only
	 */
	public boolean isLoopback() {
		return this.hosts.stream().allMatch(ConnectionSettings::isLoopback);
	}

	/**
	 * Returns the hosts this store reaches, as the connection factory's configuration
	 * names them.
	 * @return the hosts
	 */
	public List<String> getHosts() {
		return this.hosts;
	}

	/**
	 * The nodes of a static master/replica setup
	 * ({@code spring.data.redis.masterreplica.nodes}), where Lettuce's connection refuses
	 * pub/sub, so the store subscribes on a connection of its own to one of them.
	 *
	 * @param nodes the nodes; empty for every other topology
	 * @param username the Redis user, or null for the default user; the password is the
	 * connection factory's
	 */
	public record MasterReplica(List<RedisNode> nodes, @Nullable String username) {

		/** Not master/replica. */
		public static final MasterReplica NONE = new MasterReplica(List.of(), null);

		public MasterReplica {
			nodes = List.copyOf(nodes);
		}

	}

	private static List<String> strings(Object list) {
		return ((List<?>) list).stream().map((id) -> string((byte[]) id)).toList();
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static String string(byte[] value) {
		return new String(value, StandardCharsets.UTF_8);
	}

}
