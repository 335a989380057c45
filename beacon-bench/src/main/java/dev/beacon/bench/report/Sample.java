package dev.beacon.bench.report;

/**
 * One second of a run: what was delivered, how late, and what the server used meanwhile.
 *
 * @param seconds since the target's run started
 * @param phase the scenario's phase at the time (e.g. {@code saturation http 64B})
 * @param deliveries messages received by the clients in that second
 * @param p50 latency percentiles of that second, ms (0 when nothing was delivered)
 * @param cpuPercent the server's CPU in percent of one core (-1 when unknown)
 * @param rssMb the server's resident memory in MiB (-1 when unknown)
 * @param clientCpuPercent the load generator's own CPU (this process), percent of one core
 * @param machineCpuPercent the whole machine's busy CPU, percent of one core (200 = 2 cores)
 * @param softirqPercent of which software interrupts (the loopback TCP stack, mostly)
 */
public record Sample(double seconds, String phase, long deliveries, double p50, double p99,
    double p999, double max, double cpuPercent, double rssMb, double clientCpuPercent,
    double machineCpuPercent, double softirqPercent) {}
