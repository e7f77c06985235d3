/** The contract in code, shared with the gateway so the simulator and gateway never drift. */
export {
  type CabinetEvent,
  type Command,
  cabinetTopic,
  commandSchema,
  DISTRICTS,
  type EventWire,
  eventSchema,
  type HeartbeatWire,
  heartbeatSchema,
  type Registration,
  registrationSchema,
} from '../gateway/protocol/index.ts'
