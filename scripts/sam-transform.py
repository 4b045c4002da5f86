"""Print template.yaml as CloudFormation deploys it: the SAM transform,
run by the translator that cfn-lint ships (make tools installs it), with
each local CodeUri replaced by an S3 address as sam package would.
Exits non-zero when it cannot run, so the tests that read its output fail
rather than skip."""

import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class ManagedPolicies:
    """The managed policies SAM may attach, without asking IAM for them."""

    def load(self):
        arn = "arn:aws:iam::aws:policy/service-role/"
        return {n: arn + n for n in ("AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole")}


def main(path):
    with open(path) as f:
        template = yaml_parse(f.read())
    for r in template.get("Resources", {}).values():
        props = r.get("Properties", {})
        if r.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = "s3://bucket/code.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    out = transform(template, {"AWS::Region": os.environ["AWS_DEFAULT_REGION"]}, ManagedPolicies())
    json.dump(out, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
