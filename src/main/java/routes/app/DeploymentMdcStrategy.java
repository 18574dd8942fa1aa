package routes.app;

import java.util.Objects;

import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Processor;
import org.apache.camel.spi.InterceptStrategy;
import org.apache.camel.support.AsyncProcessorConverterHelper;
import org.apache.camel.support.processor.DelegateAsyncProcessor;
import org.slf4j.MDC;
import routes.deploy.DeploymentMdc;

/**
 * Every processor of every route runs with its exchange's deployment ids (exchange properties
 * {@value DeploymentMdc#CORRELATION_ID} and {@value DeploymentMdc#DEPLOYMENT_ID}, which the routes set from the
 * entry's fields) in the logging MDC, on whatever thread it runs (redeliveries, the notifier's fan-out), so each log
 * line of an entry's handling says which deployment it is about. Cheap where it matters: a step inside one that
 * already set the same ids changes nothing, and an exchange without ids leaves the thread's MDC as it is (the
 * orchestrator puts its own around what it publishes). The ids are taken away, and what was there before put back,
 * when the processor's work is done.
 */
public final class DeploymentMdcStrategy implements InterceptStrategy {

    @Override
    public Processor wrapProcessorInInterceptors(CamelContext context, NamedNode definition, Processor target,
                                                 Processor nextTarget) {
        return new DelegateAsyncProcessor(AsyncProcessorConverterHelper.convert(target)) {
            @Override
            public boolean process(Exchange exchange, AsyncCallback callback) {
                String correlationId = exchange.getProperty(DeploymentMdc.CORRELATION_ID, String.class);
                String deploymentId = exchange.getProperty(DeploymentMdc.DEPLOYMENT_ID, String.class);
                if (correlationId == null && deploymentId == null
                        || Objects.equals(correlationId, MDC.get(DeploymentMdc.CORRELATION_ID))
                        && Objects.equals(deploymentId, MDC.get(DeploymentMdc.DEPLOYMENT_ID))) {
                    return processor.process(exchange, callback);
                }
                DeploymentMdc mdc = DeploymentMdc.of(correlationId, deploymentId);
                boolean sync = processor.process(exchange, doneSync -> {
                    try {
                        callback.done(doneSync);
                    } finally {
                        mdc.close();
                    }
                });
                if (!sync) {
                    // Going on elsewhere: this thread is free for other exchanges.
                    mdc.close();
                }
                return sync;
            }

            @Override
            public String toString() {
                return "DeploymentMdc[" + processor + "]";
            }
        };
    }
}
