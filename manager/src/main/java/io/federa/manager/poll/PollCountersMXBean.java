package io.federa.manager.poll;

/**
 * The poll loop's running totals since the manager started, as the JMX MXBean
 * {@code federa.manager:type=Polling}: good polls per second is the rate at which the inventory
 * is refreshed, failed polls are agents missing, and skipped polls are agents whose previous
 * poll had not finished when their next one was due (a slow agent, or a manager that cannot
 * keep up with its fleet).
 */
public interface PollCountersMXBean {
    String OBJECT_NAME = "federa.manager:type=Polling";

    long getGoodPolls();

    long getFailedPolls();

    long getSkippedPolls();

    int getAgents();

    int getPollsInFlight();
}
