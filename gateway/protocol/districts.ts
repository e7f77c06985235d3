/**
 * Bangkok's 50 districts (khet): official codes 1001-1050, names, approximate centre.
 * Source: firmware-sim/data/bangkok-districts.csv (public listings of Thai administrative areas).
 */
export interface District {
  code: string
  name_en: string
  name_th: string
  lat: number
  lon: number
}

export const DISTRICTS: readonly District[] = [
  { code: '1001', name_en: 'Phra Nakhon', name_th: 'พระนคร', lat: 13.7564, lon: 100.4993 },
  { code: '1002', name_en: 'Dusit', name_th: 'ดุสิต', lat: 13.7728, lon: 100.5154 },
  { code: '1003', name_en: 'Nong Chok', name_th: 'หนองจอก', lat: 13.8513, lon: 100.8561 },
  { code: '1004', name_en: 'Bang Rak', name_th: 'บางรัก', lat: 13.728, lon: 100.5232 },
  { code: '1005', name_en: 'Bang Khen', name_th: 'บางเขน', lat: 13.867, lon: 100.628 },
  { code: '1006', name_en: 'Bang Kapi', name_th: 'บางกะปิ', lat: 13.771, lon: 100.6475 },
  { code: '1007', name_en: 'Pathum Wan', name_th: 'ปทุมวัน', lat: 13.7405, lon: 100.5318 },
  { code: '1008', name_en: 'Pom Prap Sattru Phai', name_th: 'ป้อมปราบศัตรูพ่าย', lat: 13.7512, lon: 100.5114 },
  { code: '1009', name_en: 'Phra Khanong', name_th: 'พระโขนง', lat: 13.692, lon: 100.626 },
  { code: '1010', name_en: 'Min Buri', name_th: 'มีนบุรี', lat: 13.808, lon: 100.7485 },
  { code: '1011', name_en: 'Lat Krabang', name_th: 'ลาดกระบัง', lat: 13.743, lon: 100.7892 },
  { code: '1012', name_en: 'Yan Nawa', name_th: 'ยานนาวา', lat: 13.6895, lon: 100.5385 },
  { code: '1013', name_en: 'Samphanthawong', name_th: 'สัมพันธวงศ์', lat: 13.738, lon: 100.5093 },
  { code: '1014', name_en: 'Phaya Thai', name_th: 'พญาไท', lat: 13.782, lon: 100.545 },
  { code: '1015', name_en: 'Thon Buri', name_th: 'ธนบุรี', lat: 13.722, lon: 100.4848 },
  { code: '1016', name_en: 'Bangkok Yai', name_th: 'บางกอกใหญ่', lat: 13.738, lon: 100.4805 },
  { code: '1017', name_en: 'Huai Khwang', name_th: 'ห้วยขวาง', lat: 13.7723, lon: 100.5807 },
  { code: '1018', name_en: 'Khlong San', name_th: 'คลองสาน', lat: 13.7265, lon: 100.5025 },
  { code: '1019', name_en: 'Taling Chan', name_th: 'ตลิ่งชัน', lat: 13.7675, lon: 100.4398 },
  { code: '1020', name_en: 'Bangkok Noi', name_th: 'บางกอกน้อย', lat: 13.7634, lon: 100.4728 },
  { code: '1021', name_en: 'Bang Khun Thian', name_th: 'บางขุนเทียน', lat: 13.58, lon: 100.4145 },
  { code: '1022', name_en: 'Phasi Charoen', name_th: 'ภาษีเจริญ', lat: 13.7267, lon: 100.4456 },
  { code: '1023', name_en: 'Nong Khaem', name_th: 'หนองแขม', lat: 13.697, lon: 100.3545 },
  { code: '1024', name_en: 'Rat Burana', name_th: 'ราษฎร์บูรณะ', lat: 13.6725, lon: 100.5005 },
  { code: '1025', name_en: 'Bang Phlat', name_th: 'บางพลัด', lat: 13.787, lon: 100.4933 },
  { code: '1026', name_en: 'Din Daeng', name_th: 'ดินแดง', lat: 13.778, lon: 100.567 },
  { code: '1027', name_en: 'Bueng Kum', name_th: 'บึงกุ่ม', lat: 13.808, lon: 100.65 },
  { code: '1028', name_en: 'Sathon', name_th: 'สาทร', lat: 13.714, lon: 100.529 },
  { code: '1029', name_en: 'Bang Sue', name_th: 'บางซื่อ', lat: 13.82, lon: 100.529 },
  { code: '1030', name_en: 'Chatuchak', name_th: 'จตุจักร', lat: 13.826, lon: 100.565 },
  { code: '1031', name_en: 'Bang Kho Laem', name_th: 'บางคอแหลม', lat: 13.6987, lon: 100.506 },
  { code: '1032', name_en: 'Prawet', name_th: 'ประเวศ', lat: 13.6953, lon: 100.6697 },
  { code: '1033', name_en: 'Khlong Toei', name_th: 'คลองเตย', lat: 13.7133, lon: 100.5787 },
  { code: '1034', name_en: 'Suan Luang', name_th: 'สวนหลวง', lat: 13.726, lon: 100.628 },
  { code: '1035', name_en: 'Chom Thong', name_th: 'จอมทอง', lat: 13.6902, lon: 100.4655 },
  { code: '1036', name_en: 'Don Mueang', name_th: 'ดอนเมือง', lat: 13.925, lon: 100.593 },
  { code: '1037', name_en: 'Ratchathewi', name_th: 'ราชเทวี', lat: 13.756, lon: 100.5387 },
  { code: '1038', name_en: 'Lat Phrao', name_th: 'ลาดพร้าว', lat: 13.8255, lon: 100.606 },
  { code: '1039', name_en: 'Watthana', name_th: 'วัฒนา', lat: 13.7327, lon: 100.5773 },
  { code: '1040', name_en: 'Bang Khae', name_th: 'บางแค', lat: 13.7105, lon: 100.3975 },
  { code: '1041', name_en: 'Lak Si', name_th: 'หลักสี่', lat: 13.877, lon: 100.572 },
  { code: '1042', name_en: 'Sai Mai', name_th: 'สายไหม', lat: 13.905, lon: 100.652 },
  { code: '1043', name_en: 'Khan Na Yao', name_th: 'คันนายาว', lat: 13.821, lon: 100.677 },
  { code: '1044', name_en: 'Saphan Sung', name_th: 'สะพานสูง', lat: 13.761, lon: 100.688 },
  { code: '1045', name_en: 'Wang Thonglang', name_th: 'วังทองหลาง', lat: 13.779, lon: 100.609 },
  { code: '1046', name_en: 'Khlong Sam Wa', name_th: 'คลองสามวา', lat: 13.8678, lon: 100.7398 },
  { code: '1047', name_en: 'Bang Na', name_th: 'บางนา', lat: 13.672, lon: 100.616 },
  { code: '1048', name_en: 'Thawi Watthana', name_th: 'ทวีวัฒนา', lat: 13.7705, lon: 100.369 },
  { code: '1049', name_en: 'Thung Khru', name_th: 'ทุ่งครุ', lat: 13.6325, lon: 100.5035 },
  { code: '1050', name_en: 'Bang Bon', name_th: 'บางบอน', lat: 13.646, lon: 100.37 },
]

const BY_CODE = new Map(DISTRICTS.map((d) => [d.code, d]))

export function districtByCode(code: string): District | undefined {
  return BY_CODE.get(code)
}
