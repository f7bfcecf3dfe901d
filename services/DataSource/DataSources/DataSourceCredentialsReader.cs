using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Secrets;

namespace DigiUsher.DataSource.DataSources;

/// <summary>Reads a data source with its decrypted credentials (in memory only, for the duration of a call).</summary>
public sealed class DataSourceCredentialsReader(DataSourceStore store, SecretCipher cipher, CredentialResolver resolver)
{
    public async Task<(DataSourceRow Row, ConnectionCredentials Credentials)?> GetAsync(Guid organizationId, Guid dataSourceId, CancellationToken cancellationToken)
    {
        var row = await store.GetAsync(organizationId, dataSourceId, cancellationToken);
        return row is null ? null : (row, CredentialsOf(row));
    }

    public ConnectionCredentials CredentialsOf(DataSourceRow row) => row.AuthType == "role"
        ? new ConnectionCredentials.Role(row.RoleArn!, row.ExternalId!)
        : new ConnectionCredentials.AccessKeys(row.AccessKeyId!, cipher.Decrypt(new EncryptedSecret(row.SecretKeyId!, row.SecretCiphertext!), row.Id));

    public Task<ResolvedCredentials> ResolveAsync(DataSourceRow row, ConnectionCredentials credentials, string sessionName, CancellationToken cancellationToken) =>
        resolver.ResolveAsync(credentials, SessionName(sessionName), cancellationToken);

    // RoleSessionName: 2-64 characters of [\w+=,.@-] (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
    private static string SessionName(string requested)
    {
        var cleaned = new string([.. requested.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '=' or ',' or '.' or '@' or '-')]);
        return cleaned.Length < 2 ? "digiusher" : cleaned[..Math.Min(cleaned.Length, 64)];
    }
}
