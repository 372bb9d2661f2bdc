"""The stack the local cloud plays (src/test/java/io/apsisimport/local/LocalCloud.java): the values
CloudFormation would choose or be given there. Keep the two in step: a name changed on one side
shows up here as calls "not allowed" on a resource the role does not name.
"""

from .stack import StackValues

LOCAL = StackValues(
    stack_name="apsis-local",  # LocalCloud.STACK_NAME: its state machine is "<stack>-import" as in template.yaml
    region="eu-west-1",
    account="123456789012",
    parameters={},  # template defaults, as LocalCloud's environment uses them (inbox/, config/routes.json, ...)
    physical_ids={
        "LandingBucket": "landing",
        "SlotsTable": "import-slots",
        # LocalCloud creates the secret "<stack>/apsis"; Secrets Manager (moto too) appends six random
        # characters. Ref gives the function role that one complete ARN on AWS; here any suffix.
        "ApsisSecret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apsis-local/apsis-??????",
    },
    functions_by_logical_id=True,  # LocalCloud.functionArn(logical id)
)
