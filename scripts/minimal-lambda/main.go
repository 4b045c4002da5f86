// Command minimal-lambda is the smallest aws-lambda-go function: the floor
// that scripts/coldstart compares each function's size and init time
// against. It is built like the deployed functions (make build-MinimalFunction)
// and never deployed.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) error { return nil })
}
