using Amazon.Runtime;
using DigiUsher.Aws.Organizations;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Consumers;

/// <summary>
/// Answers other services' requests for a data source's AWS credentials: only for a data source of
/// the asking organization, the secret (and session token of an assumed role) sealed with the
/// transport key, with the organization's quota overrides in force (CurPoller and CurParser ask right
/// before a poll or an import, the work those quotas bound). Only ids and the purpose are logged, for the audit trail.
/// </summary>
public sealed partial class GetAwsCredentialsConsumer(
    DataSourceCredentialsReader reader,
    DataSourceStore store,
    MemberAccountRoles memberRoles,
    QuotaOverrideStore quotas,
    CredentialSealer sealer,
    IOptions<CredentialRequesterOptions> requesters,
    ILogger<GetAwsCredentialsConsumer> logger) : IConsumer<GetAwsCredentials>
{
    public async Task Consume(ConsumeContext<GetAwsCredentials> context)
    {
        var request = context.Message;
        if (requesters.Value.Users.Count > 0 && !requesters.Value.Users.Contains(context.SenderUserId() ?? string.Empty, StringComparer.Ordinal))
        {
            LogRefusedSender(logger, request.DataSourceId, context.SenderUserId() ?? "(none)", request.Purpose);
            await context.RespondAsync(new AwsCredentialsUnavailable(
                request.OrganizationId, request.DataSourceId, request.IdempotencyKey, "Refused: only CurPoller, CurParser and ResourceDiscovery may ask for AWS credentials."));
            return;
        }

        var stored = await reader.GetAsync(request.OrganizationId, request.DataSourceId, context.CancellationToken);
        if (stored is null)
        {
            LogRefused(logger, request.DataSourceId, request.OrganizationId, request.Purpose);
            await context.RespondAsync(new AwsCredentialsUnavailable(
                request.OrganizationId, request.DataSourceId, request.IdempotencyKey, "The data source does not exist in this organization (it may have been deleted)."));
            return;
        }

        if (request.AccountId is not null && await MemberAccountRefusalAsync(stored.Value.Row, request.AccountId, context.CancellationToken) is { } refusal)
        {
            LogMemberRefused(logger, request.DataSourceId, request.AccountId, request.Purpose);
            await context.RespondAsync(new AwsCredentialsUnavailable(request.OrganizationId, request.DataSourceId, request.IdempotencyKey, refusal));
            return;
        }

        try
        {
            var resolved = await reader.ResolveAsync(stored.Value.Row, stored.Value.Credentials, $"digiusher-{request.Purpose}", context.CancellationToken);
            if (request.AccountId is { } memberAccount)
            {
                // Assumed here with the root's credentials: the asker gets the member account's session, never the root's keys.
                resolved = await memberRoles.AssumeAsync(
                    resolved.Credentials, memberAccount, stored.Value.Row.MemberAccountRole!, stored.Value.Row.ExternalId, SessionName(request.Purpose), context.CancellationToken);
            }

            var inForce = await quotas.EffectiveAsync(request.OrganizationId, context.CancellationToken);
            LogIssued(logger, request.DataSourceId, request.Purpose, stored.Value.Row.AuthType);
            await context.RespondAsync(new AwsCredentialsIssued(
                request.OrganizationId,
                request.DataSourceId,
                request.IdempotencyKey,
                resolved.AccessKeyId,
                sealer.Seal(resolved.SecretAccessKey),
                resolved.SessionToken is null ? null : sealer.Seal(resolved.SessionToken),
                stored.Value.Row.Region,
                resolved.ExpiresAt,
                inForce.ForOtherServices()));
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException)
        {
            var code = (ex as AmazonServiceException)?.ErrorCode ?? ex.GetType().Name;
            LogAssumeRoleFailed(logger, request.DataSourceId, code);
            var reason = request.AccountId is { } account && ex is AmazonServiceException refused
                ? $"Account {account} refused the member account role {MemberAccountRoles.RoleArn(account, stored.Value.Row.MemberAccountRole!)}: "
                  + MemberAccountRoles.RefusalDetail(refused, stored.Value.Row.ExternalId)
                : $"The role of the data source could not be assumed ({code}): check its trust policy and external id.";
            await context.RespondAsync(new AwsCredentialsUnavailable(request.OrganizationId, request.DataSourceId, request.IdempotencyKey, reason));
        }
    }

    /// <summary>
    /// Why no credentials of member account <paramref name="accountId"/> are issued, or null: the data source must be
    /// a root with a member account role, and the account an active member of the payer's organization as the root's
    /// own <c>organizations:ListAccounts</c> lists it now (never an account the asker names on its own), not the payer
    /// and not connected as its own <c>aws-linked</c> data source (which discovers it).
    /// </summary>
    private async Task<string?> MemberAccountRefusalAsync(DataSourceRow row, string accountId, CancellationToken cancellationToken)
    {
        if (row.Kind != DataSourceKinds.AwsRoot || row.MemberAccountRole is null)
        {
            return "The data source has no member account role: only its own credentials are issued.";
        }

        if ((await store.LinkedAccountIdsAsync(row.OrganizationId, cancellationToken)).Contains(accountId))
        {
            return $"Account {accountId} is connected as its own aws-linked data source, which discovers it.";
        }

        try
        {
            var root = await reader.ResolveAsync(row, reader.CredentialsOf(row), "digiusher-member-list", cancellationToken);
            var members = await memberRoles.MembersAsync(root.Credentials, [row.PayerAccountId], cancellationToken);
            return members.Any(a => a.Id == accountId) ? null
                : $"Account {accountId} is not an active member account of the payer's AWS Organization.";
        }
        catch (OrganizationsException ex)
        {
            return $"The payer's member accounts could not be listed ({ex.ErrorCode}): {ex.Message}";
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException)
        {
            return $"The root's credentials did not answer ({(ex as AmazonServiceException)?.ErrorCode ?? ex.GetType().Name}).";
        }
    }

    // RoleSessionName: 2-64 characters of [\w+=,.@-].
    private static string SessionName(string purpose) =>
        "digiusher-" + new string([.. purpose.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').Take(40)]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused credentials of member account {AccountId} of data source {DataSourceId} for {Purpose}")]
    private static partial void LogMemberRefused(ILogger logger, Guid dataSourceId, string accountId, string purpose);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused credentials of data source {DataSourceId} to RabbitMQ user {Sender} for {Purpose}: not a service that may ask")]
    private static partial void LogRefusedSender(ILogger logger, Guid dataSourceId, string sender, string purpose);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued credentials of data source {DataSourceId} ({AuthType}) for {Purpose}")]
    private static partial void LogIssued(ILogger logger, Guid dataSourceId, string purpose, string authType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused credentials of data source {DataSourceId} to organization {OrganizationId} for {Purpose}: not its data source")]
    private static partial void LogRefused(ILogger logger, Guid dataSourceId, Guid organizationId, string purpose);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not assume the role of data source {DataSourceId}: {ErrorCode}")]
    private static partial void LogAssumeRoleFailed(ILogger logger, Guid dataSourceId, string errorCode);
}

public sealed class GetAwsCredentialsConsumerDefinition : RetryingConsumerDefinition<GetAwsCredentialsConsumer>
{
    public GetAwsCredentialsConsumerDefinition() => EndpointName = "get-aws-credentials";

    protected override TimeSpan[] RetryIntervals { get; } = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];
}

/// <summary>
/// Section <c>CredentialRequesters</c>: the RabbitMQ users (one per service) whose <c>GetAwsCredentials</c>
/// DataSource answers, by the broker-validated <c>user_id</c> of the request (<see cref="SenderIdentity"/>):
/// CurPoller's, CurParser's and ResourceDiscovery's. Empty: every user of the virtual host (a broker
/// where all services share one user cannot tell them apart).
/// </summary>
public sealed class CredentialRequesterOptions
{
    public const string Section = "CredentialRequesters";

    public List<string> Users { get; set; } = [];
}
