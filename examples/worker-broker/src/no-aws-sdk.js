// Stands in for @aws-sdk/client-kms (wrangler.toml [alias]): this Worker calls
// KMS through aws4fetch, so the SDK's commands are never needed.
throw new Error('@aws-sdk/client-kms is not bundled in this Worker: use createAws4FetchKms');
