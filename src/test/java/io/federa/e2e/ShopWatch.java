package io.federa.e2e;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watches the shop from its agents every 200 ms, as a customer would feel it: every moment
 * catalog-db, payment or web has no instance running on any host (the shop is down), and every
 * moment one of the given VMs is seen not running on its host (powered off).
 */
final class ShopWatch implements AutoCloseable {
    final List<String> poweredOff = new CopyOnWriteArrayList<>();
    final List<String> down = new CopyOnWriteArrayList<>();
    private final AtomicBoolean on = new AtomicBoolean(true);
    private final Thread thread;
    private volatile int rounds;

    /** @param vms VM name → its host: the VMs that must keep running (may be empty) */
    ShopWatch(Fleet f, Map<String, String> vms) {
        thread = new Thread(() -> {
            while (on.get()) {
                Map<String, Map<String, String>> seen = new HashMap<>();
                for (String h : f.hosts) {
                    Map<String, String> a = f.answer(h);
                    if (a != null) {
                        seen.put(h, a);
                    }
                }
                vms.forEach((vm, h) -> {
                    Map<String, String> a = seen.get(h);
                    if (a != null && !"RUNNING".equals(a.get(vm))) {
                        poweredOff.add(vm + " on " + h + ": " + a.get(vm));
                    }
                });
                for (String app : List.of("catalog-db", "payment", "web")) {
                    boolean up = seen.values().stream().anyMatch(a -> a.entrySet().stream()
                            .anyMatch(e -> e.getKey().startsWith(app + "-") && e.getValue().equals("RUNNING")));
                    if (!up) {
                        down.add(app + " at round " + rounds + " (" + System.currentTimeMillis() + ")");
                    }
                }
                rounds++;
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "shop-watch");
        thread.setDaemon(true);
        thread.start();
    }

    int rounds() {
        return rounds;
    }

    @Override
    public void close() {
        on.set(false);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
