"""Getting data in: the HJ 212 receiving server, MQTT intake, file imports and the device simulator."""
