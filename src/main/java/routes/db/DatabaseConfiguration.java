package routes.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;

/**
 * Printery's own database (dead letters now, the Shield deployment record later): H2 by default, PostgreSQL when
 * printery.db.url is a jdbc:postgresql:// URL. The schema is migrated before any route can use it.
 */
@Configuration
public class DatabaseConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "printeryDataSource", destroyMethod = "close")
    public HikariDataSource printeryDataSource(@PropertyInject("printery.db.url") String url,
                                               @PropertyInject("printery.db.user") String user,
                                               @PropertyInject("printery.db.password") String password,
                                               @PropertyInject("printery.db.pool-size") int poolSize,
                                               @PropertyInject("printery.db.connect-timeout") long connectTimeout) {
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
        try {
            new SchemaMigrator(dataSource).migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return dataSource;
    }

    @BindToRegistry("databaseRetry")
    public DatabaseRetry databaseRetry(CamelContext context) {
        return new DatabaseRetry(context);
    }
}
