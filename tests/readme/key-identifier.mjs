import { parseKeyIdentifier, EdgeKmsError } from 'edge-kms';

const id = await parseKeyIdentifier('arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab');
console.log(id.kind, id.region, id.account, id.multiRegion);
console.log((await parseKeyIdentifier('alias/aws/s3')).awsManaged);

try {
  await parseKeyIdentifier('alias/');
} catch (e) {
  if (!(e instanceof EdgeKmsError)) throw e;
  console.log(e.code);
}
