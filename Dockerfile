# syntax=docker/dockerfile:1
# One image recipe for every DigiUsher service; the build argument SERVICE names it (the folder
# under services/ and the project DigiUsher.<SERVICE>). Build from the repository root:
#   docker build --build-arg SERVICE=Query -t digiusher/query:dev .
# A new service needs no change here: services/<Name>/DigiUsher.<Name>.csproj is enough.
# The SDK stage publishes the service with the repository's Directory.*.props; the runtime stage is
# the ASP.NET image, running as its non-root "app" user (uid 1654) with nothing to write but /tmp.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG SERVICE
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY libs/ libs/
# The typed API client (libs/DigiUsher.Client, used by the console) is generated from the committed documents.
COPY openapi/ openapi/
COPY services/${SERVICE}/ services/${SERVICE}/
# The NuGet cache outlives the layer, so a source change does not download the packages again.
RUN --mount=type=cache,id=digiusher-nuget,target=/root/.nuget/packages \
    dotnet restore services/${SERVICE}/DigiUsher.${SERVICE}.csproj
RUN --mount=type=cache,id=digiusher-nuget,target=/root/.nuget/packages \
    dotnet publish services/${SERVICE}/DigiUsher.${SERVICE}.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
ARG SERVICE
WORKDIR /app
COPY --from=build --chown=root:root /app ./
# The image's built-in non-root user; Kubernetes pins the same uid (runAsNonRoot needs a number).
USER $APP_UID
ENV DIGIUSHER_SERVICE=${SERVICE} \
    ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    TMPDIR=/tmp
EXPOSE 8080
# The aspnet image has no curl or wget: bash's /dev/tcp asks /health/live without adding a tool.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# An exec-form ENTRYPOINT cannot expand a variable: the shell execs dotnet (PID 1 gets SIGTERM) with
# the container's arguments; "migrate" applies the schema migrations and exits (compose, Helm hook).
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet \"DigiUsher.${DIGIUSHER_SERVICE}.dll\" \"$@\"", "--"]
