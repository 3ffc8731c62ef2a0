module github.com/zapier/triggers-api-go

go 1.23
