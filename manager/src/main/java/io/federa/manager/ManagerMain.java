package io.federa.manager;

import io.federa.manager.http.HealthVerticle;
import io.vertx.core.Vertx;

/**
 * {@code federa-manager [--address IP] [--port N]}: starts the manager's HTTP endpoint.
 */
public final class ManagerMain {
    private ManagerMain() {
    }

    public static void main(String[] args) {
        String address = "127.0.0.1";
        int port = 8080;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--address" -> address = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("federa-manager: unexpected argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        Vertx vertx = Vertx.vertx();
        HealthVerticle http = new HealthVerticle(address, port);
        String where = address + ":" + port;
        vertx.deployVerticle(http)
                .onSuccess(id -> System.out.println("federa-manager ready | http://" + where + "/health"))
                .onFailure(e -> {
                    System.err.println("federa-manager: cannot start: " + e.getMessage());
                    vertx.close();
                    System.exit(1);
                });
    }
}
