package routes.workers.notify;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.component.slack.SlackComponent;
import org.apache.camel.util.TimeUtils;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The notifier's beans from printery.notify.*. Secrets (webhook URLs, bot token, SMTP password, PagerDuty routing
 * key) go from the properties into the components and beans here, never into endpoint URIs or log lines.
 */
@Configuration
public class NotifierConfiguration implements CamelConfiguration {

    private static final String RULE_PREFIX = "printery.notify.rule.";

    @BindToRegistry("notifier")
    public Notifier notifier(CamelContext context,
                             @PropertyInject("printery.notify.slack.token") String slackToken,
                             @PropertyInject("printery.notify.slack.webhook-url") String slackWebhookUrl,
                             @PropertyInject("printery.notify.slack.deployments-channel") String deploymentsChannel,
                             @PropertyInject("printery.notify.slack.critical-channel") String criticalChannel,
                             @PropertyInject("printery.notify.smtp.host") String smtpHost,
                             @PropertyInject("printery.notify.team-email") String teamEmail,
                             @PropertyInject("printery.notify.oncall-email") String oncallEmail,
                             @PropertyInject("printery.notify.ops-email") String opsEmail,
                             @PropertyInject("printery.notify.pagerduty.routing-key") String pagerDutyKey) {
        requireKnownTargets(context);
        NotifierSinks.Slack slack = !slackToken.isBlank() ? NotifierSinks.Slack.API
                : !slackWebhookUrl.isBlank() ? NotifierSinks.Slack.WEBHOOK : NotifierSinks.Slack.NONE;
        return new Notifier(new NotifierSinks(slack, deploymentsChannel, criticalChannel, !smtpHost.isBlank(),
                teamEmail, oncallEmail, opsEmail, !pagerDutyKey.isBlank()));
    }

    /** Each channel once per event, see NotifierIdempotency; same key layout and TTL as the other groups' keys. */
    @BindToRegistry("notifierIdempotency")
    public NotifierIdempotency notifierIdempotency(StringRedisTemplate redisTemplate,
                                                   @PropertyInject("printery.notify.in-flight-ttl") String inFlightTtl,
                                                   @PropertyInject("printery.idempotency.ttl") long ttlSeconds) {
        return new NotifierIdempotency(redisTemplate, "printery-notifier",
                TimeUtils.toDuration(inFlightTtl), Duration.ofSeconds(ttlSeconds));
    }

    @BindToRegistry("notifierOutbox")
    public NotifierOutbox notifierOutbox(@PropertyInject("printery.notify.outbox") String file) {
        return new NotifierOutbox(Path.of(file));
    }

    @BindToRegistry("notifierSlackThreads")
    public NotifierSlackThreads notifierSlackThreads(StringRedisTemplate redisTemplate,
                                                     @PropertyInject("printery.notify.slack.thread-ttl") long ttlSeconds,
                                                     @PropertyInject("printery.notify.slack.token") String token,
                                                     ObjectMapper jsonMapper) {
        return new NotifierSlackThreads(redisTemplate, Duration.ofSeconds(ttlSeconds), token, jsonMapper);
    }

    @BindToRegistry("notifierPagerDuty")
    public NotifierPagerDuty notifierPagerDuty(@PropertyInject("printery.notify.pagerduty.routing-key") String routingKey,
                                               @PropertyInject("printery.notify.pagerduty.source") String source,
                                               ObjectMapper jsonMapper) {
        return new NotifierPagerDuty(routingKey, source, jsonMapper);
    }

    /** camel-slack for the deployments channel's incoming webhook. */
    @BindToRegistry("slackDeployments")
    public SlackComponent slackDeployments(@PropertyInject("printery.notify.slack.webhook-url") String webhookUrl) {
        return slackWebhook(webhookUrl);
    }

    /** Slack webhooks are bound to one channel: the critical channel may have its own, else shares the first. */
    @BindToRegistry("slackCritical")
    public SlackComponent slackCritical(@PropertyInject("printery.notify.slack.webhook-url") String webhookUrl,
                                        @PropertyInject("printery.notify.slack.critical-webhook-url") String criticalWebhookUrl) {
        return slackWebhook(criticalWebhookUrl.isBlank() ? webhookUrl : criticalWebhookUrl);
    }

    /** camel-mail's smtp component, with credentials only when the server wants them. */
    @BindToRegistry("smtp")
    public MailComponent smtp(CamelContext context,
                              @PropertyInject("printery.notify.smtp.username") String username,
                              @PropertyInject("printery.notify.smtp.password") String password,
                              @PropertyInject("printery.notify.smtp.starttls") boolean starttls) {
        MailComponent mail = new MailComponent(context);
        if (!username.isBlank()) {
            mail.getConfiguration().setUsername(username);
            mail.getConfiguration().setPassword(password);
        }
        if (starttls) {
            Properties tls = new Properties();
            tls.setProperty("mail.smtp.starttls.enable", "true");
            tls.setProperty("mail.smtp.starttls.required", "true");
            mail.getConfiguration().setAdditionalJavaMailProperties(tls);
        }
        return mail;
    }

    private static SlackComponent slackWebhook(String webhookUrl) {
        SlackComponent slack = new SlackComponent();
        if (!webhookUrl.isBlank()) {
            slack.setWebhookUrl(webhookUrl);
        }
        return slack;
    }

    /** A typo in a rule would silently drop notifications: refuse to start instead. */
    private static void requireKnownTargets(CamelContext context) {
        Properties rules = context.getPropertiesComponent().loadProperties(key -> key.startsWith(RULE_PREFIX));
        for (String key : rules.stringPropertyNames()) {
            String value = context.resolvePropertyPlaceholders(rules.getProperty(key));
            for (String target : Arrays.stream(value.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList()) {
                if (!NotifierSinks.TARGETS.contains(target)) {
                    throw new IllegalArgumentException(key + " names unknown notification target '" + target
                            + "'; known targets: " + NotifierSinks.TARGETS);
                }
            }
        }
    }
}
