package routes.db;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Printery's own database (dead letters now, the Shield deployment record later): H2 by default, PostgreSQL when
 * printery.db.url is a jdbc:postgresql:// URL. The schema is migrated before any route starts; a database that cannot
 * be migrated at start fails the start.
 */
@Configuration
public class DatabaseConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "printeryDataSource", destroyMethod = "close")
    public HikariDataSource printeryDataSource(CamelContext context,
                                               @PropertyInject("printery.db.url") String url,
                                               @PropertyInject("printery.db.user") String user,
                                               @PropertyInject("printery.db.password") String password,
                                               @PropertyInject("printery.db.pool-size") int poolSize,
                                               @PropertyInject("printery.db.connect-timeout") long connectTimeout)
            throws Exception {
        HikariConfig config = new HikariConfig();
        config.setPoolName("printery-db");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(connectTimeout);
        // The database may be down when Printery starts; the first migration attempt below says so clearly.
        config.setInitializationFailTimeout(-1);
        HikariDataSource dataSource = new HikariDataSource(config);
        migrateBeforeRoutesStart(context, dataSource);
        return dataSource;
    }

    /**
     * Migrates on a thread of its own while Camel goes on building the routes (opening the database and migrating
     * it is a tenth of Printery's start-up), and holds the routes' start until it is done. In a context already
     * started it migrates at once.
     */
    private static void migrateBeforeRoutesStart(CamelContext context, HikariDataSource dataSource) throws Exception {
        if (context.isStarted()) {
            migrate(dataSource);
            return;
        }
        FutureTask<MigrateResult> migration = new FutureTask<>(() -> new SchemaMigration(dataSource).migrate());
        Thread thread = new Thread(migration, "printery-db-migration");
        thread.setDaemon(true);
        thread.start();
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarting(CamelContext camel, boolean alreadyStarted) throws Exception {
                try {
                    migration.get();
                } catch (ExecutionException e) {
                    dataSource.close();
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }

            @Override
            public void onCamelContextStarted(CamelContext camel, boolean alreadyStarted) {
                // Migrated before the routes started: nothing left to do.
            }
        });
    }

    private static void migrate(HikariDataSource dataSource) {
        try {
            new SchemaMigration(dataSource).migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /** Found in the registry by Camel's health check registry: /observe/health/ready reports it. */
    @BindToRegistry("databaseHealthCheck")
    public DatabaseHealthCheck databaseHealthCheck(HikariDataSource printeryDataSource) {
        return new DatabaseHealthCheck(printeryDataSource);
    }

    @BindToRegistry("databaseRetry")
    public DatabaseRetry databaseRetry(CamelContext context) {
        return new DatabaseRetry(context);
    }
}
