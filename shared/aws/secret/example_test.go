package secret_test

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kickbot/kickbot/shared/aws/secret"
)

func ExampleFromEnv() {
	// Deployed, the template sets only the parameter's name; main reads the
	// secret once, before the first request, with secret.NewClient's client.
	os.Setenv("KICK_CLIENT_SECRET_PARAMETER", "/kickbot/prod/kick-client-secret")
	defer os.Unsetenv("KICK_CLIENT_SECRET_PARAMETER")

	// A stand-in for SSM Parameter Store.
	ssmClient := getParameter(func(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
		return &ssm.GetParameterOutput{Parameter: &types.Parameter{Name: in.Name, Value: aws.String("s3cr3t")}}, nil
	})

	kickSecret, err := secret.FromEnv(context.Background(), ssmClient, "KICK_CLIENT_SECRET")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("kick client secret loaded:", kickSecret != "")

	// Unset in both forms: the feature is off, which is not an error.
	off, err := secret.FromEnv(context.Background(), ssmClient, "UNSET_EXAMPLE_SECRET")
	fmt.Printf("%q %v\n", off, err)
	// Output:
	// kick client secret loaded: true
	// "" <nil>
}
