#!/usr/bin/env python3
"""Translates deploy/template.yaml with the AWS SAM translator (PyPI
`aws-sam-translator`, the library behind the `AWS::Serverless-2016-10-31`
transform and `sam validate`) into plain CloudFormation, offline.

    python3 deploy/sam_translate.py TEMPLATE OUTPUT.json

The local CodeUri folders are replaced by a placeholder S3 location first
(what `sam deploy` does after uploading them), so the translation is the one
CloudFormation will run. deploy/lint.sh lints the result with cfn-lint as
well: that checks the resources SAM generates (versions, aliases, event
source mapping, permissions, the HTTP API stage), not only the source.
Exit status 1 with the translator's messages when it refuses the template.
"""

import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402


class NoManagedPolicies:
    """The template names no AWS managed policy: nothing to look up."""

    def load(self):
        return {}


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        template = yaml_parse(f.read())
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://placeholder-bucket/placeholder.zip"
    try:
        out = transform(template, {}, NoManagedPolicies())
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(f"sam: {cause.message}", file=sys.stderr)
        sys.exit(1)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
