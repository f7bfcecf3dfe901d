using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// The member accounts of the AWS Organization a root data source manages, as
/// <c>organizations:ListAccounts</c> listed them during a discovery run (so the list is refreshed
/// every run). Readers keep the names beside account ids.
/// </summary>
/// <param name="OrganizationId">Tenant.</param>
/// <param name="DataSourceId">The root (payer) data source.</param>
/// <param name="IdempotencyKey"><c>accounts:{RunId}</c>.</param>
/// <param name="RunId">The discovery run that listed them.</param>
/// <param name="Accounts">Every account of the AWS Organization, the management account included.</param>
/// <param name="ListedAt">When.</param>
[MessageUrn("digiusher:discovery:organization-accounts-listed:v1")]
public sealed record OrganizationAccountsListed(
    Guid OrganizationId,
    Guid DataSourceId,
    string IdempotencyKey,
    Guid RunId,
    IReadOnlyList<MemberAccount> Accounts,
    DateTimeOffset ListedAt) : IIntegrationMessage;

/// <summary>One account of an AWS Organization (its root email is not kept).</summary>
/// <param name="AccountId">The 12-digit account id.</param>
/// <param name="Name">Its name in AWS Organizations.</param>
/// <param name="Status"><c>ACTIVE</c>, <c>SUSPENDED</c> or <c>PENDING_CLOSURE</c>.</param>
public sealed record MemberAccount(string AccountId, string Name, string Status);
