module github.com/zapier/triggers/tests/parity/go

go 1.23

require github.com/zapier/triggers-api-go v0.0.0

replace github.com/zapier/triggers-api-go => ../../../sdks/go
