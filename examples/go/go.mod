module example.com/triggers-go-example

go 1.23

require github.com/zapier/triggers-api-go v0.0.0-00010101000000-000000000000

replace github.com/zapier/triggers-api-go => ../../sdks/go
