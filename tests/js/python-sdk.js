// What the tests that run the AWS Encryption SDK for Python share: the start of
// their Python program (imports, and `keys`, a raw AES-256 master key provider
// over the key in the work directory `d`, `sys.argv[dirArg]`), as the SDK's own
// examples write one. Used by interop-python.test.js and esdk-differential.test.js.

/** @param {{ providerId: string, keyName: string, dirArg: number }} o @returns {string} */
export const pythonRawAesKeys = ({ providerId, keyName, dirArg }) => String.raw`
import base64, hashlib, json, sys
import aws_encryption_sdk
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKeyProvider
d = sys.argv[${dirArg}]
key = open(d + '/key', 'rb').read()
class Keys(RawMasterKeyProvider):
    provider_id = '${providerId}'
    def _get_raw_key(self, key_id):
        return WrappingKey(wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                           wrapping_key=key, wrapping_key_type=EncryptionKeyType.SYMMETRIC)
keys = Keys()
keys.add_master_key(b'${keyName}')
`;
