package routes.interop;

/**
 * One CDEvent as it goes out in CloudEvents HTTP binary mode: the attributes that become the {@code ce-*} headers and
 * the JSON body (the whole CDEvent: context, subject, customData).
 *
 * @param id      ce-id and the CDEvent's context.id: the Printery event id, or that id and a suffix when one event
 *                maps to several CDEvents
 * @param type    ce-type, e.g. dev.cdevents.pipelinerun.started.0.3.0
 * @param source  ce-source
 * @param subject ce-subject: the CDEvent's subject id
 * @param time    ce-time: the event's timestamp, RFC 3339
 * @param body    the CDEvent as JSON
 */
public record CdEvent(String id, String type, String source, String subject, String time, String body) {
}
