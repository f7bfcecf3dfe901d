using System.Text.Json;

namespace DigiUsher.Console.Apis;

// The shapes of the public APIs' answers, as the console reads them. They mirror the OpenAPI
// documents of DataSource, Query and ResourceDiscovery; the typed client (libs/DigiUsher.Client)
// replaces them when it lands.

public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

public sealed record Registered(Guid OrganizationId, Guid UserId, string Email, string Role);

public sealed record UserView(Guid Id, string Email, string Role, string Status, DateTimeOffset CreatedAt);

public sealed record Invitation(Guid UserId, string Email, string Role, string InvitationCode, DateTimeOffset ExpiresAt);

public sealed record ServiceClientView(Guid Id, string Name, string ClientId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record ServiceClientCreated(Guid Id, string Name, string ClientId, string ClientSecret, DateTimeOffset CreatedAt);

public sealed record PermissionCheck(string Action, string Feature, string Resource, string Status, string? Detail);

public sealed record DetectedReport(string Name, string Source, string? Format, string? TimeUnit, bool? Compatible, string? Prefix, string? LatestManifestKey, DateTimeOffset? LatestDeliveryAt);

public sealed record ValidationReport(
    DateTimeOffset CheckedAt,
    string Outcome,
    bool BillingAccess,
    string? PayerAccountId,
    string? PayerAccountSource,
    string? BucketRegion,
    string? ReportName,
    IReadOnlyList<DetectedReport> Reports,
    IReadOnlyList<PermissionCheck> Permissions,
    IReadOnlyList<string> MissingActions,
    IReadOnlyList<string> DisabledFeatures,
    IReadOnlyList<string> Warnings,
    string? Error);

public sealed record CreatedBy(Guid UserId, string Email);

public sealed record DataSourceView(
    Guid Id,
    string Name,
    string Kind,
    string AuthType,
    string? AccessKeyId,
    string? RoleArn,
    string? ExternalId,
    string Bucket,
    string Prefix,
    string? ReportName,
    string Region,
    string? PayerAccountId,
    IReadOnlyList<string> DisabledFeatures,
    ValidationReport? Validation,
    CreatedBy CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record CurrencyTotals(string Currency, decimal Unblended, decimal NetUnblended, decimal Blended, decimal Amortized, decimal PublicOnDemand, decimal UsageAmount, long Rows);

public sealed record PollError(string Reason, string? DeniedAction);

public sealed record PollStatus(DateTimeOffset At, bool Succeeded, string? ReportName, int? BillingPeriods, int? DeliveriesFound, DateTimeOffset? LastSuccessAt, PollError? Error);

public sealed record DeliverySeen(string DeliveryId, DateTimeOffset? SeenAt);

public sealed record ImportError(string Reason, string? File, long? Row, bool Transient);

public sealed record DeliveryImport(string DeliveryId, Guid? ImportId, string State, long? Rows, int? Files, IReadOnlyList<CurrencyTotals>? Totals, bool? IsFinal, ImportError? Error, DateTimeOffset UpdatedAt);

public sealed record BillingPeriodImports(string BillingPeriod, string? CurrentDeliveryId, IReadOnlyList<DeliveryImport> Deliveries);

public sealed record DiscoverySkip(string Kind, string? Region, string Reason);

public sealed record DiscoveryStatus(Guid RunId, bool Succeeded, string? AccountId, DateTimeOffset FinishedAt, IReadOnlyDictionary<string, int>? Counts, IReadOnlyList<DiscoverySkip> Skipped, string? Error);

public sealed record ValidationStatus(DateTimeOffset CheckedAt, string Outcome, bool BillingAccess, IReadOnlyList<string> MissingActions, IReadOnlyList<string> DisabledFeatures, IReadOnlyList<string> Warnings, string? Error);

public sealed record DataSourceStatus(
    Guid DataSourceId,
    ValidationStatus? Validation,
    PollStatus? LastPoll,
    DeliverySeen? LastDelivery,
    IReadOnlyList<BillingPeriodImports> Imports,
    DiscoveryStatus? LastDiscovery);

public sealed record AwsSetup(string Bucket, string? PayerAccountId, JsonElement BucketPolicy, JsonElement BillingReadPolicy, JsonElement DiscoveryPolicy);

public sealed record CurrencyAmount(string Currency, decimal Amount);

public sealed record CostGroup(IReadOnlyDictionary<string, string> Keys, string Currency, decimal Amount);

public sealed record CostsResponse(
    DateOnly From,
    DateOnly To,
    string Metric,
    IReadOnlyList<string> GroupBy,
    string? Currency,
    decimal? Total,
    IReadOnlyList<CurrencyAmount> Totals,
    IReadOnlyList<CostGroup> Items,
    string? NextCursor);

public sealed record ResourceOwner(string Email, Guid EmployeeId, string? Rule);

public sealed record ResourceItem(
    Guid DataSourceId,
    string ResourceId,
    string? Kind,
    string? Name,
    string? AccountId,
    string? Region,
    string? State,
    bool Discovered,
    bool Gone,
    ResourceOwner? Owner,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<CurrencyAmount> Cost,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastSeenAt);

public sealed record DailyAmount(DateOnly Day, string Currency, decimal Amount);

public sealed record ResourceDetail(
    ResourceItem Resource,
    IReadOnlyDictionary<string, string> Attributes,
    JsonElement? Cpu,
    DateOnly From,
    DateOnly To,
    string Metric,
    IReadOnlyList<DailyAmount> DailyCost);

public sealed record Finding(
    string Type,
    Guid DataSourceId,
    string ResourceId,
    string Kind,
    string? Name,
    string AccountId,
    string Region,
    ResourceOwner? Owner,
    int? AgeDays,
    decimal? MonthlyCost,
    string? Currency,
    IReadOnlyList<CurrencyAmount> MonthlyCostByCurrency,
    string Reason,
    IReadOnlyList<string> RelatedResourceIds);

public sealed record EmployeeResources(
    string Email,
    Guid EmployeeId,
    DateOnly From,
    DateOnly To,
    string Metric,
    IReadOnlyList<CurrencyAmount> Totals,
    IReadOnlyList<ResourceItem> Items,
    string? NextCursor);

public sealed record ImportItem(
    Guid DataSourceId,
    string? DataSourceName,
    string BillingPeriod,
    Guid ImportId,
    string DeliveryId,
    long Rows,
    int? Files,
    long? DurationMs,
    IReadOnlyList<CurrencyTotals> Totals,
    bool IsFinal,
    DateTimeOffset ImportedAt,
    string CostsStatus,
    string? CostsDetail,
    DateTimeOffset? CostsLoadedAt);

public sealed record OwnerRule(Guid Id, int Position, string Match, string? Key, string? Value, string OwnerEmail);
