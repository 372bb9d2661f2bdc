"""Local-cloud fidelity shim for moto 5.2.5 (moto issue #10076, fix not released).

moto's Step Functions engine (ported from LocalStack) stubbed out the conversion between the
PascalCase parameters/results of the optimised `states:startExecution(.sync|.sync:2)` integration
and boto3's lowerCamel members: `StateMachineArn`/`Input`/`Name` reach boto3 unconverted (the call
fails with States.Runtime) and DescribeExecution's `output`/`status`/`error`/`cause` come back
lowerCamel, where AWS returns `Output`/`Status`/`Error`/`Cause`. This restores the conversion for
that one integration, using the operation shapes of botocore's own service model, as LocalStack does.
"""
import datetime

import botocore.session
from botocore import xform_name

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_sfn as _sfn,
)

_MODEL = botocore.session.get_session().get_service_model("stepfunctions")
_OPS = {xform_name(name): _MODEL.operation_model(name) for name in _MODEL.operation_names}


def _normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
    _original_normalise_parameters(self, parameters, boto_service_name, service_action_name)
    op = _OPS.get(self._get_boto_service_action(service_action_name))
    if op is not None and op.input_shape is not None:
        self._to_boto_request(parameters, op.input_shape)


def _normalise_response(self, response, boto_service_name=None, service_action_name=None):
    op = _OPS.get(self._get_boto_service_action(service_action_name))
    if op is not None and op.output_shape is not None:
        self._from_boto_response(response, op.output_shape)
    _epoch_millis(response)


def _epoch_millis(value):
    """Timestamps as AWS puts them into the state (epoch milliseconds), not Python datetimes."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, datetime.datetime):
                value[k] = int(v.timestamp() * 1000)
            else:
                _epoch_millis(v)
    elif isinstance(value, list):
        for v in value:
            _epoch_millis(v)


_original_normalise_parameters = _sfn.StateTaskServiceSfn._normalise_parameters
_sfn.StateTaskServiceSfn._normalise_parameters = _normalise_parameters
_sfn.StateTaskServiceSfn._normalise_response = _normalise_response
