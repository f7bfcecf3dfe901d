{{/*
The five services: values key -> what the chart needs to know about each.
  component  name suffix and app.kubernetes.io/component label
  project    the .NET project (image entrypoint DigiUsher.<project>.dll)
  schema     the Postgres schema it owns (migrated by its Job)
  public     takes traffic from the ingress
  aws        calls AWS APIs (egress on 443)
*/}}
{{- define "digiusher.catalog" -}}
dataSource: { component: data-source, project: DataSource, schema: datasource, public: true, aws: true }
curPoller: { component: cur-poller, project: CurPoller, schema: curpoller, public: false, aws: true }
curParser: { component: cur-parser, project: CurParser, schema: curparser, public: false, aws: true }
resourceDiscovery: { component: resource-discovery, project: ResourceDiscovery, schema: discovery, public: false, aws: true }
query: { component: query, project: Query, schema: query, public: true, aws: false }
{{- end }}

{{- define "digiusher.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "digiusher.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of one service's objects: (dict "root" $ "meta" $meta) */}}
{{- define "digiusher.componentName" -}}
{{- printf "%s-%s" (include "digiusher.fullname" .root) .meta.component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "digiusher.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of one service's objects: (dict "root" $ "meta" $meta) */}}
{{- define "digiusher.labels" -}}
helm.sh/chart: {{ include "digiusher.chart" .root }}
{{ include "digiusher.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: digiusher
{{- end }}

{{- define "digiusher.selectorLabels" -}}
app.kubernetes.io/name: {{ include "digiusher.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .meta.component }}
{{- end }}

{{/* Image of a service: (dict "root" $ "values" $values) */}}
{{- define "digiusher.image" -}}
{{- $tag := .values.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- if .root.Values.image.registry }}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .values.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Non-secret settings of a service, as environment variables (YAML map of strings). The Deployment
reads them from its ConfigMap; the migration Job, which runs before the ConfigMap exists on a
first install, gets the same map inline. (dict "root" $ "key" $key "meta" $meta "values" $values)
*/}}
{{- define "digiusher.config" -}}
{{- $root := .root }}
{{- $config := dict
  "ASPNETCORE_ENVIRONMENT" $root.Values.environment
  "DOTNET_ENVIRONMENT" $root.Values.environment
  "ASPNETCORE_HTTP_PORTS" "8080"
  "DOTNET_shutdownTimeoutSeconds" (toString .values.shutdownTimeoutSeconds)
  "RabbitMq__Host" $root.Values.rabbitmq.host
  "RabbitMq__Port" (toString $root.Values.rabbitmq.port)
  "RabbitMq__VirtualHost" $root.Values.rabbitmq.virtualHost
  "RabbitMq__QuorumQueues" (toString $root.Values.rabbitmq.quorumQueues)
  "Aws__ServiceUrl" $root.Values.aws.serviceUrl
  "Aws__DefaultRegion" $root.Values.aws.defaultRegion
}}
{{- if eq .key "query" }}
{{- $_ := set $config "Services__CurParser" (printf "http://%s:8080" (include "digiusher.componentName" (dict "root" $root "meta" (dict "component" "cur-parser")))) }}
{{- end }}
{{- if eq .key "dataSource" }}
{{- range $index, $key := $root.Values.credentials.encryptionKeys }}
{{- $_ := set $config (printf "Credentials__EncryptionKeys__%d__Id" $index) $key.id }}
{{- end }}
{{- end }}
{{- with $root.Values.telemetry }}
{{- if .otlpEndpoint }}
{{- $_ := set $config "OTEL_EXPORTER_OTLP_ENDPOINT" .otlpEndpoint }}
{{- $_ := set $config "OTEL_EXPORTER_OTLP_PROTOCOL" .otlpProtocol }}
{{- end }}
{{- if .resourceAttributes }}
{{- $_ := set $config "OTEL_RESOURCE_ATTRIBUTES" .resourceAttributes }}
{{- end }}
{{- end }}
{{- range $name, $value := .values.config }}
{{- $_ := set $config $name (toString $value) }}
{{- end }}
{{- range $name, $value := $config }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
Secret settings of a service as container env entries: the database password (its own role), the
broker credentials, the JWT signing key, the transport key and (DataSource) the encryption keys.
(dict "root" $ "key" $key "meta" $meta "values" $values)
*/}}
{{- define "digiusher.secretEnv" -}}
{{- $root := .root }}
{{- $pg := $root.Values.postgres }}
- name: DIGIUSHER_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .values.database.existingSecret }}
      key: {{ .values.database.passwordKey }}
- name: ConnectionStrings__Postgres
  value: {{ printf "Host=%s;Port=%v;Database=%s;Username=%s;Password=$(DIGIUSHER_DB_PASSWORD);SSL Mode=%s%s" $pg.host $pg.port $pg.database .values.database.username $pg.sslMode (ternary (printf ";%s" $pg.extraConnectionParameters) "" (ne $pg.extraConnectionParameters "")) | quote }}
- name: RabbitMq__Username
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.rabbitmq.existingSecret }}
      key: {{ $root.Values.rabbitmq.usernameKey }}
- name: RabbitMq__Password
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.rabbitmq.existingSecret }}
      key: {{ $root.Values.rabbitmq.passwordKey }}
- name: Jwt__SigningKey
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.jwt.existingSecret }}
      key: {{ $root.Values.jwt.signingKeyKey }}
- name: Credentials__TransportKey
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.credentials.existingSecret }}
      key: {{ $root.Values.credentials.transportKeyKey }}
{{- if eq .key "dataSource" }}
{{- range $index, $key := $root.Values.credentials.encryptionKeys }}
- name: {{ printf "Credentials__EncryptionKeys__%d__Key" $index }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.credentials.existingSecret }}
      key: {{ $key.secretKey }}
{{- end }}
{{- end }}
{{- end }}

{{- define "digiusher.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .values.tmpSizeLimit }}
{{- end }}

{{- define "digiusher.dnsEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end }}

{{- define "digiusher.postgresEgress" -}}
- {{- with .Values.networkPolicy.egress.postgres }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - port: {{ .Values.postgres.port }}
      protocol: TCP
{{- end }}

{{/* Egress every service needs: DNS, Postgres, RabbitMQ, the OTLP collector, the operator's extras. */}}
{{- define "digiusher.commonEgress" -}}
{{ include "digiusher.dnsEgress" . }}
{{ include "digiusher.postgresEgress" . }}
- {{- with .Values.networkPolicy.egress.rabbitmq }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - port: {{ .Values.rabbitmq.port }}
      protocol: TCP
{{- if .Values.telemetry.otlpEndpoint }}
- ports:
    - port: {{ .Values.networkPolicy.egress.otlpPort }}
      protocol: TCP
{{- end }}
{{- with .Values.networkPolicy.egress.extra }}
{{ toYaml . }}
{{- end }}
{{- end }}
