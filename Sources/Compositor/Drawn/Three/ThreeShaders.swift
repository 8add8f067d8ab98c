/// The GLSL (OpenGL 3.3 core) of the 3-D painter: one shader for every material, lit in world
/// space with three.js's formulas (r155 and later: physically based light units, BRDFs from its
/// shader chunks), and one that writes depth for shadow maps.
enum ThreeShaders {
    static let maximumLights = 16
    /// Directional and spot lights whose shadows are drawn (layers of one depth texture array).
    static let maximumShadowMaps = 4
    /// Point lights whose shadows are drawn (a cube of distances each).
    static let maximumPointShadows = 2

    static let vertex = """
        #version 330 core
        layout(location = 0) in vec3 aPosition;
        layout(location = 1) in vec3 aNormal;
        layout(location = 2) in vec2 aUV;
        uniform mat4 uModel;
        uniform mat3 uNormalMatrix;
        uniform mat4 uViewProjection;
        out vec3 vWorldPosition;
        out vec3 vWorldNormal;
        out vec2 vUV;
        void main() {
            vec4 world = uModel * vec4(aPosition, 1.0);
            vWorldPosition = world.xyz;
            vWorldNormal = uNormalMatrix * aNormal;
            vUV = aUV;
            gl_Position = uViewProjection * world;
        }
        """

    static let fragment = """
        #version 330 core
        #define MAX_LIGHTS \(maximumLights)
        #define MAX_SHADOWS \(maximumShadowMaps)
        #define PI 3.141592653589793
        #define RECIPROCAL_PI 0.3183098861837907
        in vec3 vWorldPosition;
        in vec3 vWorldNormal;
        in vec2 vUV;
        out vec4 fragColor;

        // 0 normal, 1 basic, 2 standard, 3 phong, 4 lambert, 5 toon
        uniform int uMaterial;
        uniform vec3 uColor;
        uniform float uOpacity;
        uniform bool uTransparent;
        uniform vec3 uEmissive;
        uniform float uRoughness;
        uniform float uMetalness;
        uniform int uSide;          // 0 front, 1 back, 2 double
        uniform bool uFlat;
        uniform bool uReceiveShadow;
        uniform bool uHasTexture;
        uniform sampler2D uTexture;

        uniform vec3 uCameraPosition;
        uniform mat3 uViewRotation;
        uniform vec3 uAmbient;
        uniform int uLightCount;
        uniform int uLightType[MAX_LIGHTS];       // 1 directional, 2 point, 3 spot
        uniform vec3 uLightColor[MAX_LIGHTS];     // linear colour times intensity
        uniform vec3 uLightPosition[MAX_LIGHTS];
        uniform vec3 uLightDirection[MAX_LIGHTS]; // from the target towards the light
        uniform float uLightDistance[MAX_LIGHTS];
        uniform float uLightDecay[MAX_LIGHTS];
        uniform float uLightConeCos[MAX_LIGHTS];
        uniform float uLightPenumbraCos[MAX_LIGHTS];
        uniform int uLightShadow[MAX_LIGHTS];     // a layer of uShadowMaps, 100 + a point shadow, or -1

        uniform sampler2DArrayShadow uShadowMaps;
        uniform mat4 uShadowMatrix[MAX_SHADOWS];
        uniform float uShadowOffset[MAX_SHADOWS]; // world units along the normal: about a texel
        uniform samplerCube uPointShadow0;
        uniform samplerCube uPointShadow1;
        uniform float uPointShadowFar[2];
        uniform float uPointShadowOffset[2];

        float saturate(float x) { return clamp(x, 0.0, 1.0); }

        vec3 sRGBToOutput(vec3 c) {
            c = clamp(c, 0.0, 1.0);
            return mix(pow(c, vec3(0.41666)) * 1.055 - vec3(0.055), c * 12.92, vec3(lessThanEqual(c, vec3(0.0031308))));
        }

        float distanceAttenuation(float d, float cutoff, float decay) {
            float falloff = 1.0 / max(pow(d, decay), 0.01);
            if (cutoff > 0.0) {
                float r = saturate(1.0 - pow(d / cutoff, 4.0));
                falloff *= r * r;
            }
            return falloff;
        }

        vec3 fresnelSchlick(vec3 f0, float f90, float dotVH) {
            float fresnel = exp2((-5.55473 * dotVH - 6.98316) * dotVH);
            return f0 * (1.0 - fresnel) + f90 * fresnel;
        }

        vec3 blinnPhong(vec3 L, vec3 V, vec3 N, vec3 specular, float shininess) {
            vec3 H = normalize(L + V);
            float dotNH = saturate(dot(N, H));
            float dotVH = saturate(dot(V, H));
            vec3 F = fresnelSchlick(specular, 1.0, dotVH);
            float D = RECIPROCAL_PI * (shininess * 0.5 + 1.0) * pow(dotNH, shininess);
            return F * (0.25 * D);
        }

        vec3 ggx(vec3 L, vec3 V, vec3 N, vec3 f0, float roughness) {
            float alpha = roughness * roughness;
            vec3 H = normalize(L + V);
            float dotNL = saturate(dot(N, L));
            float dotNV = saturate(dot(N, V));
            float dotNH = saturate(dot(N, H));
            float dotVH = saturate(dot(V, H));
            vec3 F = fresnelSchlick(f0, 1.0, dotVH);
            float a2 = alpha * alpha;
            float gv = dotNL * sqrt(a2 + (1.0 - a2) * dotNV * dotNV);
            float gl = dotNV * sqrt(a2 + (1.0 - a2) * dotNL * dotNL);
            float visibility = 0.5 / max(gv + gl, 1e-6);
            float d = dotNH * dotNH * (a2 - 1.0) + 1.0;
            float distribution = RECIPROCAL_PI * a2 / (d * d);
            return F * (visibility * distribution);
        }

        float planarShadow(int layer, vec3 position, vec3 normal) {
            vec4 p = uShadowMatrix[layer] * vec4(position + normal * uShadowOffset[layer], 1.0);
            vec3 c = p.xyz / p.w * 0.5 + 0.5;
            if (c.x < 0.0 || c.x > 1.0 || c.y < 0.0 || c.y > 1.0 || c.z > 1.0) return 1.0;
            vec2 texel = 1.0 / vec2(textureSize(uShadowMaps, 0).xy);
            float lit = 0.0;
            for (int x = -1; x <= 1; x++) {
                for (int y = -1; y <= 1; y++) {
                    lit += texture(uShadowMaps, vec4(c.xy + vec2(x, y) * texel, float(layer), c.z - 0.0005));
                }
            }
            return lit / 9.0;
        }

        float pointShadow(int index, vec3 lightPosition, vec3 position, vec3 normal) {
            vec3 offsetPosition = position + normal * uPointShadowOffset[index];
            vec3 toSurface = offsetPosition - lightPosition;
            float far = uPointShadowFar[index];
            float depth = length(toSurface) / far - 0.002;
            vec3 side = normalize(cross(abs(toSurface.y) < 0.99 * length(toSurface) ? vec3(0.0, 1.0, 0.0) : vec3(1.0, 0.0, 0.0), toSurface));
            vec3 up = normalize(cross(toSurface, side));
            float spread = length(toSurface) * 1.5 / 512.0;
            float lit = 0.0;
            for (int x = -1; x <= 1; x++) {
                for (int y = -1; y <= 1; y++) {
                    vec3 direction = toSurface + (side * float(x) + up * float(y)) * spread;
                    float stored = index == 0 ? texture(uPointShadow0, direction).r : texture(uPointShadow1, direction).r;
                    lit += depth <= stored ? 1.0 : 0.0;
                }
            }
            return lit / 9.0;
        }

        void main() {
            vec3 N;
            if (uFlat) {
                N = normalize(cross(dFdx(vWorldPosition), dFdy(vWorldPosition)));
            } else {
                N = normalize(vWorldNormal);
                if (uSide == 1) N = -N;
                if (uSide == 2 && !gl_FrontFacing) N = -N;
            }
            vec4 base = vec4(uColor, uOpacity);
            if (uHasTexture) {
                vec4 texel = texture(uTexture, vUV);
                // Texels are sRGB: three.js decodes a glTF base colour map to linear.
                vec3 linear = mix(pow((texel.rgb + 0.055) / 1.055, vec3(2.4)), texel.rgb / 12.92, vec3(lessThanEqual(texel.rgb, vec3(0.04045))));
                base *= vec4(linear, texel.a);
            }
            // As three.js: opacity counts only on transparent materials.
            float alpha = uTransparent ? base.a : 1.0;

            if (uMaterial == 0) {
                vec3 viewNormal = normalize(uViewRotation * N);
                fragColor = vec4((viewNormal * 0.5 + 0.5) * alpha, alpha);
                return;
            }
            vec3 outgoing;
            if (uMaterial == 1) {
                outgoing = base.rgb;
            } else {
                vec3 V = normalize(uCameraPosition - vWorldPosition);
                vec3 diffuseColor = uMaterial == 2 ? base.rgb * (1.0 - uMetalness) : base.rgb;
                vec3 f0 = mix(vec3(0.04), base.rgb, uMetalness);
                float roughness = 1.0;
                if (uMaterial == 2) {
                    vec3 dxy = max(abs(dFdx(vWorldNormal)), abs(dFdy(vWorldNormal)));
                    float geometryRoughness = max(max(dxy.x, dxy.y), dxy.z);
                    roughness = min(max(uRoughness, 0.0525) + geometryRoughness, 1.0);
                }
                vec3 diffuse = vec3(0.0);
                vec3 specular = vec3(0.0);
                for (int i = 0; i < uLightCount; i++) {
                    vec3 L;
                    vec3 color = uLightColor[i];
                    if (uLightType[i] == 1) {
                        L = uLightDirection[i];
                    } else {
                        vec3 toLight = uLightPosition[i] - vWorldPosition;
                        float d = length(toLight);
                        L = toLight / max(d, 1e-6);
                        color *= distanceAttenuation(d, uLightDistance[i], uLightDecay[i]);
                        if (uLightType[i] == 3) {
                            color *= smoothstep(uLightConeCos[i], uLightPenumbraCos[i], dot(L, uLightDirection[i]));
                        }
                    }
                    int shadow = uLightShadow[i];
                    if (uReceiveShadow && shadow >= 0) {
                        vec3 geometryNormal = normalize(vWorldNormal);
                        if (dot(geometryNormal, L) < 0.0) geometryNormal = -geometryNormal;
                        if (shadow >= 100) color *= pointShadow(shadow - 100, uLightPosition[i], vWorldPosition, geometryNormal);
                        else color *= planarShadow(shadow, vWorldPosition, geometryNormal);
                    }
                    float dotNL = saturate(dot(N, L));
                    if (uMaterial == 5) {
                        float coord = dot(N, L) * 0.5 + 0.5;
                        float fw = fwidth(coord) * 0.5;
                        diffuse += mix(vec3(0.7), vec3(1.0), smoothstep(0.7 - fw, 0.7 + fw, coord)) * color;
                    } else {
                        diffuse += dotNL * color;
                    }
                    if (uMaterial == 3) specular += dotNL * color * blinnPhong(L, V, N, vec3(0.00560539), 30.0);
                    if (uMaterial == 2) specular += dotNL * color * ggx(L, V, N, f0, roughness);
                }
                outgoing = (diffuse + uAmbient) * RECIPROCAL_PI * diffuseColor + specular + uEmissive;
            }
            fragColor = vec4(sRGBToOutput(outgoing) * alpha, alpha);
        }
        """

    /// Depth only, for the shadow maps of directional and spot lights.
    static let depthVertex = """
        #version 330 core
        layout(location = 0) in vec3 aPosition;
        uniform mat4 uModel;
        uniform mat4 uViewProjection;
        out vec3 vWorldPosition;
        void main() {
            vec4 world = uModel * vec4(aPosition, 1.0);
            vWorldPosition = world.xyz;
            gl_Position = uViewProjection * world;
        }
        """

    static let depthFragment = """
        #version 330 core
        in vec3 vWorldPosition;
        uniform bool uDistance;
        uniform vec3 uLightPosition;
        uniform float uFar;
        out vec4 fragColor;
        void main() {
            // Point lights keep the distance to the light in a colour cube; the others only depth.
            float d = uDistance ? length(vWorldPosition - uLightPosition) / uFar : gl_FragCoord.z;
            fragColor = vec4(d, 0.0, 0.0, 1.0);
        }
        """
}
