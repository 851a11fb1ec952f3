// The 128-point Gauss-Legendre rule on (0, 1) fry integrates with, and
// qchisq(node, 1) at its nodes, stored: every fry call would otherwise
// solve the rule's eigenproblem and invert the chi-square distribution 128
// times for the same numbers.

extension Fry {
    /// statmod's `gauss.quad.prob(128, "uniform")` as
    /// `RNumerics.gaussQuadProbUniform(128)` computes it (nodes ascending,
    /// then weights: `RNumerics.gaussQuad128`, stored), and
    /// `RMath.qchisq(node, df: 1)` at each node, as IEEE bit patterns;
    /// `GeneSetFastPathTests` recomputes all three bit for bit.
    static let quadrature: (nodes: [Double], weights: [Double], qchisq: [Double]) = (
        RNumerics.gaussQuad128.nodes, RNumerics.gaussQuad128.weights, qchisqBits.map(Double.init(bitPattern:)))

    static let qchisqBits: [UInt64] = [
        0x3e49dc0edbbd381b, 0x3e966dd41ad13094, 0x3ec0ed1751b174bd, 0x3edd27b9a33764c4,
        0x3ef2b8da69db692f, 0x3f0410e7cbca057c, 0x3f1305a542b3a19f, 0x3f207ffd6edab629,
        0x3f2ac332990d5b40, 0x3f3496dd12742bd3, 0x3f3e5d05b68c6c10, 0x3f459ec78003d250,
        0x3f4de6eb52a5bfe5, 0x3f542bae14500f46, 0x3f5aa3092adbbe8c, 0x3f614396878857fa,
        0x3f660426e1605484, 0x3f6bac883aa12dca, 0x3f712b9b9bd77448, 0x3f750fe5f523c75e,
        0x3f7991759bf10c2f, 0x3f7ebf1c300df56d, 0x3f825411af24b036, 0x3f85ae22f49ab594,
        0x3f8975d4731fcfed, 0x3f8db36a9cf6eee9, 0x3f9137ac57556c5c, 0x3f93d91edd88a1a3,
        0x3f96c270f26e8eb1, 0x3f99f819e4d281e3, 0x3f9d7ea310f0b4b7, 0x3fa0ad536641cb28,
        0x3fa2c867b8221f6f, 0x3fa512eb400c106b, 0x3fa78f41f97f21d8, 0x3faa3fd6cdd50259,
        0x3fad271b594c7b8b, 0x3fb023c3e095504d, 0x3fb1d1cd4d9f85c8, 0x3fb39eec738735f4,
        0x3fb58c670c6fc5c4, 0x3fb79b861b7122ca, 0x3fb9cd960452e9a9, 0x3fbc23e6ac8a2372,
        0x3fbe9fcba5960ff0, 0x3fc0a14e306da7d7, 0x3fc206da36907af1, 0x3fc38139deec4c06,
        0x3fc5111f7e30b669, 0x3fc6b73ff1bf74ec, 0x3fc87452d2a2992a, 0x3fca4912ade486d9,
        0x3fcc363d4277104d, 0x3fce3c93c4de6e49, 0x3fd02e6d946e8954, 0x3fd14bee38b349e7,
        0x3fd27732839520ce, 0x3fd3b0a38b08b6b3, 0x3fd4f8acf90d188d, 0x3fd64fbd4202d907,
        0x3fd7b645df304fa2, 0x3fd92cbb8dbf1c9c, 0x3fdab3969288df89, 0x3fdc4b530313f7eb,
        0x3fddf471142d5b08, 0x3fdfaf756e9a3536, 0x3fe0be74c535b306, 0x3fe1aeae08c7160f,
        0x3fe2a8b0a524680b, 0x3fe3acc9c5341344, 0x3fe4bb49d9fddcad, 0x3fe5d484de4d64ce,
        0x3fe6f8d2a02658db, 0x3fe8288f10aa1056, 0x3fe9641a9b237c44, 0x3feaabda84069a41,
        0x3fec003950cc9acf, 0x3fed61a739b6401f, 0x3feed09aa6a36c8c, 0x3ff026c85c2d2e48,
        0x3ff0ec86efe5ddcb, 0x3ff1b9cf428e061f, 0x3ff28eebe04030d8, 0x3ff36c2c13a71c13,
        0x3ff451e457ff6bf5, 0x3ff5406ed82c9618, 0x3ff6382bfcbe9476, 0x3ff739830b1741da,
        0x3ff844e2d83fc433, 0x3ff95ac29273d7b6, 0x3ffa7ba2a4f6d46e, 0x3ffba80dba72e450,
        0x3ffce099e2f5a13d, 0x3ffe25e9e3a00c7e, 0x3fff78aeb75f14eb, 0x40006cd4a4c713ae,
        0x400124d63aaa0924, 0x4001e4cfab7c23da, 0x4002ad3fffc0934b, 0x40037eb34f6b1a3c,
        0x400459c49ed3fd17, 0x40053f2013705ec3, 0x40062f85946fd934, 0x40072bcbf0f8a959,
        0x400834e4ad2e2870, 0x40094be0a1316601, 0x400a71f5a2ec443e, 0x400ba885863d11ae,
        0x400cf126d94e3b86, 0x400e4dafe8081338, 0x400fc044c7012ca2, 0x4010a5b4ba542afd,
        0x4011790cca361a09, 0x40125bf3fd25a9bd, 0x40135094aa45fe72, 0x401459978103df8d,
        0x40157a4d053a1779, 0x4016b6e993ff709f, 0x401814ded999ba63, 0x40199b65ef2848c5,
        0x401b545dc124365d, 0x401d4dc40f486767, 0x401f9c5ee320306f, 0x4021307b616fb3e2,
        0x4022e9e82daac06b, 0x4025311c410dbc24, 0x402888399c1670f4, 0x402ec68199a23733,
    ]
}
