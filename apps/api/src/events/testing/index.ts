export { FakeEventsService, type EmittedEvent, type PayloadMatcher } from './fake-events.service.js';
