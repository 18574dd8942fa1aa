package routes.workers.probe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EndpointsTest {

    @Test
    void dropsUserInfoQueryAndDriverParameters() {
        assertEquals("redis://10.0.0.5:6379/0", Endpoints.withoutCredentials("redis://:s3cret@10.0.0.5:6379/0"));
        assertEquals("rediss://cache:6380", Endpoints.withoutCredentials("rediss://user:p@ss@cache:6380"));
        assertEquals("jdbc:postgresql://db:5432/app", Endpoints.withoutCredentials("jdbc:postgresql://db:5432/app?user=a&password=b"));
        assertEquals("jdbc:h2:mem:test", Endpoints.withoutCredentials("jdbc:h2:mem:test;PASSWORD=x"));
        assertEquals("https://api.example/health", Endpoints.withoutCredentials("https://bot:tok@api.example/health?token=t#x"));
        assertEquals("http://127.0.0.1:9111/health", Endpoints.withoutCredentials("http://127.0.0.1:9111/health"));
    }

    @Test
    void hostAndPortWithTheSchemesDefaultPort() {
        assertEquals("10.0.0.5:6380", Endpoints.hostAndPort("redis://:s3cret@10.0.0.5:6380/0"));
        assertEquals("cache:6379", Endpoints.hostAndPort("rediss://user:p@ss@cache"));
        assertEquals("db:5432", Endpoints.hostAndPort("jdbc:postgresql://db/app?user=a&password=b"));
        assertEquals("api.example:443", Endpoints.hostAndPort("https://bot:tok@api.example?token=t"));
        assertEquals("api.example:80", Endpoints.hostAndPort("http://api.example/health"));
        assertEquals("[::1]:8080", Endpoints.hostAndPort("http://[::1]:8080/health"));
        assertEquals("[::1]:80", Endpoints.hostAndPort("http://[::1]/health"));
    }
}
