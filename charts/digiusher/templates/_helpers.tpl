{{/*
The enabled services, each entry of .Values.services laid over .Values.serviceDefaults, as a YAML
map keyed like .Values.services. Every per-service template ranges over it:
  {{- range $key, $values := include "digiusher.services" . | fromYaml }}
The service's own entry decides "enabled" (a merge would not let false override a default true).
*/}}
{{- define "digiusher.services" -}}
{{- $result := dict }}
{{- range $key, $entry := .Values.services }}
{{- if ne (toString (dig "enabled" true $entry)) "false" }}
{{- if not (and $entry.project $entry.component) }}
{{- fail (printf "services.%s: project and component are required" $key) }}
{{- end }}
{{- $values := mergeOverwrite (deepCopy $.Values.serviceDefaults) (deepCopy $entry) }}
{{- $_ := set $values "key" $key }}
{{- $_ := set $values "public" (or (gt (len ($values.routes | default list)) 0) ($values.openApi | default false)) }}
{{- if not $values.image.repository }}
{{- $_ := set $values.image "repository" (printf "digiusher/%s" $values.component) }}
{{- end }}
{{- if $values.schema }}
{{- $_ := set $values.database "username" ($values.database.username | default (printf "%s_svc" $values.schema)) }}
{{- $_ := set $values.database "existingSecret" ($values.database.existingSecret | default (printf "digiusher-db-%s" $values.schema)) }}
{{- end }}
{{- /* Like "enabled": a merge would not let the console's false override the default true. */}}
{{- $_ := set $values "bus" (ne (toString (dig "bus" (dig "bus" true $.Values.serviceDefaults) $entry)) "false") }}
{{- if $values.bus }}
{{- $_ := set $values.rabbitmq "username" ($values.rabbitmq.username | default (printf "digiusher-%s" $values.component)) }}
{{- $_ := set $values.rabbitmq "existingSecret" ($values.rabbitmq.existingSecret | default (printf "digiusher-rabbitmq-%s" $values.component)) }}
{{- end }}
{{- range ($values.routes | default list) }}
{{- if or (not (hasPrefix "/" .)) (hasPrefix "/internal" .) (hasPrefix "/health" .) (hasPrefix "/metrics" .) }}
{{- fail (printf "services.%s.routes: %s is not a public path (internal endpoints, health checks and metrics are never routed)" $key .) }}
{{- end }}
{{- end }}
{{- $_ := set $result $key $values }}
{{- end }}
{{- end }}
{{- range $key, $values := $result }}
{{- range ($values.calls | default list) }}
{{- if not (hasKey $result .) }}
{{- fail (printf "services.%s.calls: %s is not an enabled service" $key .) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $result }}
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

{{/* Name of one service's objects: (dict "root" $ "values" $values), $values.component the suffix */}}
{{- define "digiusher.componentName" -}}
{{- printf "%s-%s" (include "digiusher.fullname" .root) .values.component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "digiusher.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of one service's objects: (dict "root" $ "values" $values) */}}
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
app.kubernetes.io/component: {{ .values.component }}
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
first install, gets the same map inline. (dict "root" $ "values" $values "services" $services)
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
  "RabbitMq__Tls__Enabled" (toString $root.Values.rabbitmq.tls.enabled)
  "RabbitMq__Tls__ServerName" $root.Values.rabbitmq.tls.serverName
  "Aws__ServiceUrl" $root.Values.aws.serviceUrl
  "Aws__DefaultRegion" $root.Values.aws.defaultRegion
}}
{{- range (.values.calls | default list) }}
{{- $callee := get $.services . }}
{{- $_ := set $config (printf "Services__%s" $callee.project) (printf "http://%s:8080" (include "digiusher.componentName" (dict "root" $root "values" $callee))) }}
{{- end }}
{{- $issuer := "" }}
{{- range $key, $values := .services }}{{ if $values.issuesTokens }}{{ $issuer = $values }}{{ end }}{{ end }}
{{- if $issuer }}
{{- $issuerUrl := printf "http://%s:8080" (include "digiusher.componentName" (dict "root" $root "values" $issuer)) }}
{{- $_ := set $config "Auth__Issuer" ($root.Values.auth.issuer | default $issuerUrl) }}
{{- if not .values.issuesTokens }}
{{- $_ := set $config "Auth__Authority" $issuerUrl }}
{{- end }}
{{- end }}
{{- if .values.clientId }}
{{- $_ := set $config "Auth__ClientId" .values.clientId }}
{{- end }}
{{- /* Account mails (password reset, email verification) are sent by the token issuer. */}}
{{- if .values.issuesTokens }}
{{- with $root.Values.email }}
{{- if .smtp.host }}
{{- if not .smtp.from }}{{ fail "email.smtp.from is required with email.smtp.host (the sender of DigiUsher's mails)" }}{{ end }}
{{- $_ := set $config "Email__Smtp__Host" .smtp.host }}
{{- $_ := set $config "Email__Smtp__Port" (toString .smtp.port) }}
{{- $_ := set $config "Email__Smtp__Security" .smtp.security }}
{{- $_ := set $config "Email__Smtp__From" .smtp.from }}
{{- if .smtp.username }}{{ $_ := set $config "Email__Smtp__Username" .smtp.username }}{{ end }}
{{- $consoleOnIngress := and $root.Values.ingress.enabled (hasKey $.services "console") }}
{{- $base := printf "%s://%s" (ternary "https" "http" $root.Values.ingress.tls.enabled) $root.Values.ingress.host }}
{{- $reset := .passwordResetLink | default (ternary (printf "%s/reset-password?code={code}" $base) "" $consoleOnIngress) }}
{{- $verify := .emailVerificationLink | default (ternary (printf "%s/verify-email?code={code}" $base) "" $consoleOnIngress) }}
{{- if $reset }}{{ $_ := set $config "Email__PasswordResetLink" $reset }}{{ end }}
{{- if $verify }}{{ $_ := set $config "Email__EmailVerificationLink" $verify }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- range $index, $network := $root.Values.forwardedHeaders.knownNetworks }}
{{- $_ := set $config (printf "ForwardedHeaders__KnownNetworks__%d" $index) $network }}
{{- end }}
{{- range $index, $proxy := $root.Values.forwardedHeaders.knownProxies }}
{{- $_ := set $config (printf "ForwardedHeaders__KnownProxies__%d" $index) $proxy }}
{{- end }}
{{- if .values.encryptionKeys }}
{{- range $index, $key := $root.Values.credentials.encryptionKeys }}
{{- $_ := set $config (printf "Credentials__EncryptionKeys__%d__Id" $index) $key.id }}
{{- end }}
{{- /* The credentials' holder answers GetAwsCredentials only to these services' RabbitMQ users. */}}
{{- $requesters := list }}
{{- range $key, $values := .services }}{{ if and $values.requestsCredentials $values.bus }}{{ $requesters = append $requesters $values.rabbitmq.username }}{{ end }}{{ end }}
{{- range $index, $user := $requesters }}
{{- $_ := set $config (printf "CredentialRequesters__Users__%d" $index) $user }}
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
broker credentials, the service identity secrets (clientId: its own; issuesTokens: every one), the
transport key and (encryptionKeys) the at-rest keys. (dict "root" $ "values" $values "services" $services)
*/}}
{{- define "digiusher.secretEnv" -}}
{{- $root := .root }}
{{- $pg := $root.Values.postgres }}
{{- if .values.schema }}
- name: DIGIUSHER_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .values.database.existingSecret }}
      key: {{ .values.database.passwordKey }}
- name: ConnectionStrings__Postgres
  value: {{ printf "Host=%s;Port=%v;Database=%s;Username=%s;Password=$(DIGIUSHER_DB_PASSWORD);SSL Mode=%s%s" $pg.host $pg.port $pg.database .values.database.username $pg.sslMode (ternary (printf ";%s" $pg.extraConnectionParameters) "" (ne $pg.extraConnectionParameters "")) | quote }}
{{- end }}
{{- if .values.bus }}
- name: RabbitMq__Username
  value: {{ .values.rabbitmq.username | quote }}
- name: RabbitMq__Password
  valueFrom:
    secretKeyRef:
      name: {{ .values.rabbitmq.existingSecret }}
      key: {{ .values.rabbitmq.passwordKey }}
{{- end }}
{{- if .values.clientId }}
- name: Auth__ClientSecret
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.auth.existingSecret }}
      key: {{ .values.clientId }}
{{- end }}
{{- if and .values.issuesTokens $root.Values.email.smtp.host $root.Values.email.smtp.existingSecret }}
- name: Email__Smtp__Password
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.email.smtp.existingSecret }}
      key: {{ $root.Values.email.smtp.passwordKey }}
{{- end }}
{{- if .values.issuesTokens }}
- name: Auth__ServiceIdentities__admin__Secret
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.auth.existingSecret }}
      key: admin
      # The admin CLI's identity (secrets rekey); without the key the CLI's internal calls are refused.
      optional: true
{{- range $key, $values := .services }}
{{- if $values.clientId }}
- name: {{ printf "Auth__ServiceIdentities__%s__Secret" $values.clientId }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.auth.existingSecret }}
      key: {{ $values.clientId }}
{{- end }}
{{- end }}
{{- end }}
- name: Credentials__TransportKey
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.credentials.existingSecret }}
      key: {{ $root.Values.credentials.transportKeyKey }}
{{- if .values.encryptionKeys }}
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
